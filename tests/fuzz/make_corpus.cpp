// Writes the fuzz targets' seed corpora, from real packets made by the
// project's own writers, and the regression inputs that are written rather
// than found. make-corpus.sh runs it:
//   fuzz_make_corpus OUT STREAM.264 STREAM.sdp [MORE.264...]
// STREAM.264: a few access units of libx264 in Annex B with access unit
// delimiters; STREAM.sdp: the SDP ffmpeg wrote for it; MORE.264: other
// encodings, whose SPSs seed the SPS reader. OUT is tests/fuzz:
// OUT/corpus/TARGET/ is emptied and rewritten; in OUT/regressions/TARGET/ only
// the files named here are (re)written, found inputs stay.
// The seeds of each target are made in corpus_wire.cpp (common/),
// corpus_media.cpp (media/) and corpus_client.cpp (client/).
#include <exception>
#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "corpus_targets.hpp"
#include "media/payload/h264_packetizer.hpp"

using namespace flowcast::fuzz::corpus;
namespace fs = std::filesystem;
namespace media = flowcast::media;

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: " << argv[0] << " OUT STREAM.264 STREAM.sdp [MORE.264|MORE.265...]\n";
    return 2;
  }
  try {
    set_out(argv[1]);
    const Bytes stream = read_file(argv[2]);
    const std::vector<AccessUnit> units = access_units(stream);
    if (units.size() < 3) throw std::runtime_error("need at least 3 access units");
    const Bytes sdp = read_file(argv[3]);
    std::vector<Bytes> streams{stream};
    // MORE.264: more H.264 streams (SPS seeds); MORE.265: an H.265 stream.
    std::vector<AccessUnit> h265_units;
    for (int i = 4; i < argc; ++i) {
      const std::string name = argv[i];
      if (name.size() > 4 && name.substr(name.size() - 4) == ".265")
        h265_units = h265_access_units(read_file(name));
      else
        streams.push_back(read_file(name));
    }
    for (const char* target :
         {"rtp", "rtcp", "rfc4571", "handshake", "h264_depacketizer", "h264_sps", "receive_buffer",
          "sdp", "units", "payload", "network_source", "audio_depacketizer"})
      fs::remove_all(out() / "corpus" / target);

    std::vector<Payloads> packetized;
    for (const AccessUnit& au : units) packetized.push_back(media::packetize_h264(au, 1200));
    make_rtp(packetized);
    make_rtcp();
    make_rfc4571(packetized);
    make_handshake();
    make_h264(units);
    make_h264_sps(streams);
    make_receive_buffer(packetized);
    make_sdp(std::string(sdp.begin(), sdp.end()), units.front());
    make_units();
    make_wire_boundaries(packetized);
    make_sdp_boundaries();
    make_payload(units, h265_units);
    make_audio();
    make_network_source(packetized);
  } catch (const std::exception& e) {
    std::cerr << "fuzz_make_corpus: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
