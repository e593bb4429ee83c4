#include "server/session/feedback_handler.hpp"

#include "common/rtp/receiver_statistics.hpp"
#include "server/session/rtp_sender.hpp"

namespace flowcast::server {

FeedbackHandler::FeedbackHandler(asio::io_context& io, Listener& listener)
    : listener_(listener), silence_timer_(io), last_heard_(Clock::now()) {}

void FeedbackHandler::handle(std::span<const uint8_t> packet) {
  handle(packet, ntp_now());
}

void FeedbackHandler::handle(std::span<const uint8_t> packet, uint64_t arrival_ntp) {
  auto rtcp = common::parse_rtcp(packet);
  if (!rtcp) return;
  last_heard_ = Clock::now();
  if (!rtcp->receiver_reports.empty()) {
    listener_.on_receiver_reports(rtcp->receiver_reports.size());
    const uint32_t arrival = common::ntp_middle(arrival_ntp);
    for (const auto& rr : rtcp->receiver_reports)
      for (const auto& block : rr.blocks) listener_.on_report_block(block, arrival);
  }
  if (!rtcp->plis.empty()) listener_.on_plis(rtcp->plis);
  if (!rtcp->nacks.empty()) listener_.on_nacks(rtcp->nacks);
  if (!rtcp->byes.empty()) listener_.on_bye();
}

void FeedbackHandler::watch() {
  silence_timer_.expires_after(std::chrono::seconds(1));
  silence_timer_.async_wait([this, keep = listener_.keep_alive()](const asio::error_code& ec) {
    if (ec || closed_) return;
    if (Clock::now() - last_heard_ > kTimeout) listener_.read_pending_feedback();
    if (closed_) return;  // a BYE among what was read
    if (Clock::now() - last_heard_ > kTimeout) {
      listener_.on_silence();
      return;
    }
    watch();
  });
}

void FeedbackHandler::close() {
  closed_ = true;
  silence_timer_.cancel();
}

}  // namespace flowcast::server
