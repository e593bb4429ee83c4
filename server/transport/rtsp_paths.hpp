#pragma once
// The URLs of flowcast's RTSP presentation, for RtspServerProtocol's
// requests: rtsp://HOST:PORT/stream, its video track "track1" and its other
// tracks "track2" and on (track_control()). Pure functions.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "common/rtsp/rtsp_message.hpp"
#include "server/transport/rtsp_listener.hpp"

namespace flowcast::server::rtsp_paths {

// The path of a request URI ("rtsp://h:p/stream/track1" → "/stream/track1"),
// without a trailing '/'; "" when it is no rtsp:// URL.
inline std::string path_of(const std::string& uri) {
  const auto url = common::parse_rtsp_url(uri);
  if (!url) return "";
  std::string path = url->path;
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

// The URI without credentials and without a trailing '/'.
inline std::string base_of(const std::string& uri) {
  const auto url = common::parse_rtsp_url(uri);
  std::string base = url ? url->without_credentials() : uri;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base;
}

inline constexpr std::string_view kStreamPath = "/stream";
inline constexpr std::string_view kTrackPath = "/stream/track1";

// The media stream a SETUP's path names: the stream itself or its video
// track ("track1") is 0, "/stream/track<K+1>" is K (rtsp_listener.hpp's
// track_control);
// nullopt for anything else, or a stream past `count`.
inline std::optional<size_t> stream_of_path(const std::string& path, size_t count) {
  if (path == kStreamPath || path == kTrackPath) return 0;
  const std::string prefix = std::string(kStreamPath) + "/";
  for (size_t k = 1; k < count; ++k)
    if (path == prefix + track_control(k)) return k;
  return std::nullopt;
}

// The presentation's URL for a request on it or on one of its tracks.
inline std::string presentation_of(const std::string& uri) {
  const std::string base = base_of(uri);
  const std::string path = path_of(uri);
  if (path == kStreamPath || path.empty()) return base;
  return base.substr(0, base.rfind('/'));
}

}  // namespace flowcast::server::rtsp_paths
