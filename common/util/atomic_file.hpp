// Files that readers never see half-written: the metrics, framemd5 and SDP
// files are written to a temporary file beside the target and renamed over it.
#pragma once

#include <string>

namespace flowcast::common {

// Writes text to path through path + ".part" and a rename, so the file is
// never half-written. Blocks on the file system; any thread. On failure
// returns false, says why in error, and leaves no temporary file behind.
bool write_file_atomic(const std::string& path, const std::string& text, std::string& error);

}  // namespace flowcast::common
