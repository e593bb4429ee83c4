#pragma once
// HTTP authentication as RTSP uses it: the challenges of a 401's
// WWW-Authenticate headers, and the Authorization header that answers them,
// Basic (RFC 7617) or Digest (RFC 7616 with MD5, qop "auth" or none, as
// RFC 2069/2617 servers and cameras send).
//
// common/ holds no FFmpeg: the caller hands in the MD5 and base64 it uses
// (media/ffmpeg/md5.hpp and base64.hpp). Pure functions, any thread.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flowcast::common {

struct AuthChallenge {
  enum class Scheme { basic, digest } scheme = Scheme::basic;
  std::string realm;
  std::string nonce;      // digest
  std::string opaque;     // digest, echoed when present
  std::string algorithm;  // digest: "MD5" (or empty: MD5)
  bool qop_auth = false;  // digest: the server offers qop="auth"
};

// The challenges flowcast can answer, from each WWW-Authenticate value;
// Digest first (the stronger), then Basic. Others (Digest with SHA-256
// only, unknown schemes, and any whose realm, nonce, opaque or algorithm
// holds a control character, which the answer would copy into its header)
// are left out.
std::vector<AuthChallenge> parse_challenges(const std::vector<std::string_view>& values);

struct AuthHashes {
  std::string (*md5_hex)(std::string_view);  // lower-case hex of MD5
  std::string (*base64)(std::string_view);   // RFC 4648 with padding
};

// The Authorization header value for a request `method` on `uri`. cnonce
// and nc are used with qop=auth (nc counts the requests made with this
// nonce, from 1). Digest's quoted values are quoted-strings with '"' and
// '\' escaped (RFC 7616 §3.4), so they read back as the challenge had them.
std::string authorization(const AuthChallenge& challenge, std::string_view user,
                          std::string_view password, std::string_view method, std::string_view uri,
                          const AuthHashes& hashes, std::string_view cnonce = "0a4f113b",
                          unsigned nc = 1);

}  // namespace flowcast::common
