#include "client/transport/rtsp_options.hpp"

#include <asio.hpp>
#include <optional>
#include <stdexcept>

#include "client/transport/listen_options.hpp"
#include "client/transport/rtsp_connection.hpp"
#include "client/transport/tcp_byte_stream.hpp"
#include "media/sdp/sdp.hpp"

namespace flowcast::client {

RtspOptions rtsp_options(std::string_view url, std::string user, std::string password,
                         Transport lower) {
  auto parsed = common::parse_rtsp_url(url);
  if (!parsed) throw std::invalid_argument("not an rtsp:// URL: '" + std::string(url) + "'");
  RtspOptions o;
  o.user = user.empty() ? parsed->user : std::move(user);
  o.password = password.empty() ? parsed->password : std::move(password);
  parsed->user.clear();
  parsed->password.clear();
  o.url = std::move(*parsed);
  o.lower = lower;
  return o;
}

namespace {

std::string describe_failure(const RtspOptions& o, const common::RtspMessage& response) {
  const std::string where = o.url.without_credentials();
  const std::string status = std::to_string(response.status) + " " + response.reason;
  switch (response.status) {
    case 401:
      if (o.user.empty())
        return "the RTSP server at " + where + " asks for credentials (" + status +
               "): put them in the URL (rtsp://USER:PASS@HOST/PATH) or give --user and --password";
      return "the RTSP server at " + where + " refused the credentials of '" + o.user + "' (" +
             status + "): check the user name and password";
    case 404:
      return "the RTSP server has no stream at " + where + " (" + status + "): check the path";
    default:
      return "the RTSP server at " + where + " answered DESCRIBE with " + status;
  }
}

}  // namespace

void describe_rtsp(RtspOptions& options, std::chrono::milliseconds timeout,
                   const RtspStreamMaker& make_stream) {
  asio::io_context io;
  RtspConnection connection(make_stream ? make_stream(io) : TcpByteStream::make(io), options.url,
                            options.user, options.password);
  std::optional<std::string> error;
  std::optional<common::RtspMessage> described;
  connection.on_closed([&](const std::string& e) {
    if (!error && !described)
      error = e.empty() ? "the RTSP server at " + options.url.without_credentials() +
                              " closed the connection before it described the stream"
                        : e;
  });
  connection.connect(timeout, [&](const std::string& e) {
    if (!e.empty()) {
      error = e;
      return;
    }
    connection.request("DESCRIBE", "", {{"Accept", "application/sdp"}},
                       [&](const common::RtspMessage* response) {
                         if (!response) return;  // on_closed says why
                         described = *response;
                         connection.close();
                       });
  });
  io.run_for(timeout);
  if (error) throw std::runtime_error(*error);
  if (!described)
    throw std::runtime_error("the RTSP server at " + options.url.without_credentials() +
                             " did not answer DESCRIBE within " +
                             std::to_string(timeout.count() / 1000) + " s");
  if (described->status != 200) throw std::runtime_error(describe_failure(options, *described));
  media::SdpSession session;
  try {
    session = media::parse_sdp_session(described->body);
  } catch (const media::SdpError& e) {
    throw std::runtime_error("cannot play what the RTSP server at " +
                             options.url.without_credentials() + " describes: " + e.what());
  }
  const media::SdpDescription& sdp = session.video;
  options.format = media::find_payload_format(sdp.encoding_name);
  if (!options.format) throw std::runtime_error("flowcast cannot depacketize " + sdp.encoding_name);
  options.payload_type = sdp.payload_type;
  options.parameter_sets = annexb_parameter_sets(sdp.parameter_sets);
  // RFC 2326 C.1.1: a=control relative to Content-Base, else Content-Location, else the URL.
  std::string base = options.url.without_credentials();
  if (auto b = described->header("Content-Base"))
    base = std::string(*b);
  else if (auto l = described->header("Content-Location"))
    base = std::string(*l);
  options.control_url = common::resolve_control(base, sdp.control);
  options.audio.reset();
  options.audio_ignored = session.audio_ignored;
  if (session.audio) {
    auto audio = audio_stream_options(*session.audio);
    if (audio) audio->control_url = common::resolve_control(base, session.audio->control);
    // Without a control of its own, its SETUP would name the video's.
    if (audio && (session.audio->control.empty() || audio->control_url == options.control_url))
      options.audio_ignored = "its audio has no a=control of its own to set it up with";
    else
      options.audio = std::move(audio);
  }
}

}  // namespace flowcast::client
