#pragma once
// RTSP status codes (RFC 2326 §7.1.1, §11) and their reason phrases.
// Pure functions, any thread.

namespace flowcast::common {

// The reason phrase of a status code flowcast-server answers with ("Session
// Not Found" for 454); "Error" for one it does not use.
const char* rtsp_reason_phrase(int status);

}  // namespace flowcast::common
