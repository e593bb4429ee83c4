#pragma once
// Pictures to decode but not show. An MP4 edit list that starts between
// keyframes hides the pictures before its start, and the decoder still needs
// them as references. H.264 has no flag for this (H.265's pic_output_flag is
// it), so flowcast carries one in-band: an SEI user_data_unregistered
// message (ITU-T H.264 D.1.6, payloadType 5) with flowcast's UUID, before the
// access unit's first slice. It crosses RTP like any NAL unit (RFC 6184),
// and a receiver that does not know the UUID ignores it, as the standard
// asks, and shows the picture. flowcast's decoder (media/codec/video_decoder)
// decodes such an access unit and drops its picture, as libavcodec drops a
// packet flagged AV_PKT_FLAG_DISCARD, which is what ffmpeg does with the
// edit list itself.
//
// Pure byte code; safe on hostile input (never reads past the buffer).
#include <cstdint>
#include <span>
#include <vector>

namespace flowcast::media {

// Inserts the marker SEI before the first slice of an Annex B access unit
// (at its end if it has none). Idempotent.
void mark_h264_hidden(std::vector<uint8_t>& annexb);
// The access unit carries the marker (in an SEI before its first slice).
bool is_h264_hidden(std::span<const uint8_t> annexb);

}  // namespace flowcast::media
