// NetworkSource's rules for a sender that restarts with a new SSRC (the
// class comment in network_source.hpp): the current SSRC's usual gap, the
// candidate kept, and following it.
#include <algorithm>

#include "client/transport/network_source.hpp"

namespace flowcast::client {

using Clock = std::chrono::steady_clock;

void NetworkSource::note_media_gap(SteadyTime now) {
  if (now - gap_bucket_start_ >= kGapWindow / 2) {
    // A new half window; one with no packet at all leaves nothing behind.
    longest_gap_before_ = now - gap_bucket_start_ < kGapWindow ? longest_gap_ : longest_gap_.zero();
    longest_gap_ = longest_gap_.zero();
    gap_bucket_start_ = now;
  }
  if (last_gap_packet_) longest_gap_ = std::max(longest_gap_, now - *last_gap_packet_);
  last_gap_packet_ = now;
}

bool NetworkSource::quiet_beyond_usual_gap(SteadyTime now) const {
  const auto usual = std::max(longest_gap_, longest_gap_before_);
  // Two packets of it at least, or there is no usual gap to go by.
  return last_gap_packet_ && usual > usual.zero() && now - *last_gap_packet_ > usual;
}

bool NetworkSource::candidate_followable(SteadyTime now) const {
  if (!candidate_) return false;
  if (candidate_->from_keyframe && quiet_beyond_usual_gap(now)) return true;
  const bool current_gone = bye_seen_ || now - last_media_ >= kSwitchSilence;
  return current_gone && candidate_->in_sequence >= kSwitchPackets;
}

bool NetworkSource::consider_switch(uint32_t ssrc, uint16_t sequence,
                                    std::span<const uint8_t> packet,
                                    std::span<const uint8_t> payload) {
  if (!candidate_ || candidate_->ssrc != ssrc) {
    candidate_ = Candidate{ssrc, sequence, 0, opens_keyframe(payload), {}, 0};
  }
  Candidate& c = *candidate_;
  const bool in_sequence = sequence == c.next_sequence;
  c.in_sequence = in_sequence ? c.in_sequence + 1 : 1;
  // Out of sequence, what is kept no longer leads from the keyframe whole.
  if (!in_sequence && !c.packets.empty()) c.from_keyframe = false;
  c.next_sequence = static_cast<uint16_t>(sequence + 1);
  const auto now = Clock::now();
  if (!candidate_followable(now)) {
    c.packets.emplace_back(packet.begin(), packet.end());
    c.bytes += packet.size();
    while (c.packets.size() > kMaxCandidatePackets || c.bytes > kMaxCandidateBytes) {
      c.bytes -= c.packets.front().size();
      c.packets.pop_front();
      c.from_keyframe = false;
    }
    return false;
  }
  // The sender restarted: follow it, from its first packets kept; the
  // caller plays this one.
  follow_candidate(now);
  return true;
}

void NetworkSource::follow_candidate(SteadyTime now) {
  std::deque<std::vector<uint8_t>> earlier = std::move(candidate_->packets);
  media_ssrc_ = candidate_->ssrc;
  candidate_.reset();
  bye_seen_ = false;
  bye_timer_.cancel();
  path_.restart();
  {
    std::lock_guard lock(mutex_);
    video_sync_.reset();  // the old sender's mapping
  }
  count([&](SourceCounters& counters) {
    ++counters.ssrc_changes;
    counters.foreign_ssrc -= std::min<uint64_t>(counters.foreign_ssrc, earlier.size());
  });
  last_media_ = now;
  // The new SSRC's usual gap is its own.
  last_gap_packet_.reset();
  longest_gap_ = longest_gap_before_ = longest_gap_.zero();
  gap_bucket_start_ = now;
  replaying_ = true;
  for (const auto& p : earlier) on_rtp(p);
  replaying_ = false;
}

}  // namespace flowcast::client
