// Session's RTCP both ways: the reports and the BYE it sends for each of its
// media streams, and what the client's feedback asks of each (NACKs and PLIs
// routed by their media SSRC). The rest of Session is in session.cpp.
#include <algorithm>

#include "common/rtp/receiver_statistics.hpp"
#include "common/rtp/rtcp.hpp"
#include "server/session/session.hpp"

namespace flowcast::server {

using Clock = std::chrono::steady_clock;

size_t Session::stream_of(uint32_t media_ssrc) const {
  for (size_t k = 0; k < streams_.size(); ++k)
    if (streams_[k].rtp.ssrc() == media_ssrc) return k;
  return 0;
}

void Session::answer_nack(size_t stream, std::span<const uint16_t> sequences) {
  // Resends share the send queue's bound with media: what would not fit is
  // refused now, not queued behind it.
  size_t queued = 0;
  auto packets = streams_[stream].history.answer(sequences, Clock::now(), [&](size_t bytes) {
    const size_t framed = bytes + traits_.framing_bytes;
    if (!transport_->has_room(queued + framed)) return false;
    queued += framed;
    return true;
  });
  note_resends();
  // The same packets again (same sequence numbers), across the same link.
  const auto now = Clock::now();
  for (auto& p : packets) route(std::move(OutboundPacket(std::move(p)).on_stream(stream)), now);
}

void Session::note_resends() {
  ResendCounters sum;
  for (const auto& s : streams_) {
    const ResendCounters& c = s.history.counters();
    sum.resent += c.resent;
    sum.resent_bytes += c.resent_bytes;
    sum.refused_budget += c.refused_budget;
    sum.refused_queue += c.refused_queue;
    sum.repeated += c.repeated;
    sum.unknown += c.unknown;
  }
  stats_.packets_resent = sum.resent;
  stats_.resends = {.bytes = sum.resent_bytes,
                    .refused_budget = sum.refused_budget,
                    .refused_queue = sum.refused_queue,
                    .repeated = sum.repeated,
                    .unknown = sum.unknown};
}

void Session::schedule_sender_report() {
  report_timer_.expires_after(kSenderReportInterval);
  report_timer_.async_wait([this, self = shared_from_this()](const asio::error_code& ec) {
    if (ec || ended_ || closing_ || at_end_) return;
    send_sender_report();
    schedule_sender_report();
  });
}

void Session::send_sender_report() {
  const auto clock = media_clock_90k(Clock::now());
  const uint64_t ntp = ntp_now();
  const bool several = streams_.size() > 1;
  for (size_t k = 0; k < streams_.size(); ++k) {
    const OutgoingStream& s = streams_[k];
    if (!s.enabled) continue;
    std::vector<uint8_t> packet;
    // Every stream's report maps the same media instant to the same NTP
    // time (RFC 3550 §6.4.1), each in its own RTP clock.
    if (s.rtp.packets() > 0 && clock) {
      common::write_sender_report(s.rtp.sender_report(ntp, *clock), packet);
      ++stats_.sender_reports;
    } else {
      common::write_receiver_report(common::ReceiverReport{s.rtp.ssrc(), {}}, packet);
    }
    if (several) common::write_sdes_cname(s.rtp.ssrc(), cname_, packet);
    if (k == 0 && describe_next()) {
      const std::string& sdp = source_.description;
      described_ = common::write_app(common::AppPacket{.subtype = 0,
                                                       .ssrc = s.rtp.ssrc(),
                                                       .name = common::kAppSessionDescription,
                                                       .data = {sdp.begin(), sdp.end()}},
                                     packet);
    }
    send_rtcp(std::move(packet), k);
  }
}

bool Session::describe_next() const {
  if (!traits_.describes_in_band || streams_.size() < 2 || source_.description.empty() ||
      source_.description.size() > common::kRtcpMaxAppData || !streams_[0].enabled)
    return false;
  // A datagram may be lost: again until the client is heard.
  return !described_ || (traits_.kind != Transport::tcp && !client_heard_);
}

void Session::send_bye(const std::string& reason) {
  // The video's last: a receiver that ends at the first BYE has had the
  // others' by then.
  for (size_t k = streams_.size(); k-- > 0;) {
    if (!streams_[k].enabled) continue;
    const uint32_t ssrc = streams_[k].rtp.ssrc();
    std::vector<uint8_t> bye;
    if (streams_.size() > 1) {
      // A compound carries the CNAME whenever the streams share one (RFC
      // 3550 §6.1): report, SDES, then the BYE.
      common::write_receiver_report(common::ReceiverReport{ssrc, {}}, bye);
      common::write_sdes_cname(ssrc, cname_, bye);
      common::write_bye(common::Goodbye{{ssrc}, reason}, bye);
    } else {
      common::write_goodbye(ssrc, reason, bye);
    }
    send_now(std::move(OutboundPacket(std::move(bye)).on_stream(k)));
  }
}

void Session::on_receiver_reports(size_t count) {
  client_heard_ = true;
  stats_.receiver_reports += count;
}

void Session::on_report_block(const common::ReportBlock& block, uint32_t arrival_ntp_middle) {
  if (block.ssrc != streams_[stream_of(block.ssrc)].rtp.ssrc()) return;
  const auto rtt = common::round_trip_time(block, arrival_ntp_middle);
  if (!rtt) return;
  const double ms = std::chrono::duration<double, std::milli>(*rtt).count();
  stats_.round_trip_time_ms = ms;
  stats_.total_round_trip_time_ms += ms;
  ++stats_.round_trip_time_measurements;
}

void Session::on_plis(std::span<const common::PictureLossIndication> plis) {
  client_heard_ = true;
  stats_.plis_received += plis.size();
  // Only a picture can be lost: a PLI about another stream asks nothing.
  const bool video = std::any_of(plis.begin(), plis.end(),
                                 [&](const auto& pli) { return stream_of(pli.media_ssrc) == 0; });
  if (live() && video) {
    host_.request_keyframe(KeyframeLimiter::Reason::pli);
    backlog_.wait_for_keyframe();
  }
}

void Session::on_nacks(std::span<const common::GenericNack> nacks) {
  client_heard_ = true;
  for (const auto& nack : nacks) {
    ++stats_.nacks_received;
    if (!ended_ && !closing_) answer_nack(stream_of(nack.media_ssrc), nack.lost_sequences);
  }
  // The answers to one compound packet leave together.
  delivery_.flush();
}

}  // namespace flowcast::server
