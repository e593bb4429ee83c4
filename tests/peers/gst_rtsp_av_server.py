#!/usr/bin/python3
"""GStreamer's RTSP server (gst-rtsp-server) serving one file's video and
audio as two RTP streams, as a camera or an encoder with sound serves them:
a real peer for flowcast-server's relay tests. Run with Debian's
/usr/bin/python3 (python3-gi and gir1.2-gst-rtsp-server-1.0).

  gst_rtsp_av_server.py --port P --file F [--video h264|h265] [--audio aac|opus]
                        [--config-interval N]

F is MP4 (qtdemux) or Matroska (matroskademux) holding the video and the
audio; MP4 keeps the audio's timestamps exact, where Matroska rounds them
to the millisecond (and so does the RTP timestamp the payloader takes). The video
goes as RFC 6184 or RFC 7798 (payload type 96), the audio as RFC 3640
mpeg4-generic with its AudioSpecificConfig in the SDP (rtpmp4gpay) or as
RFC 7587 Opus (payload type 97). --config-interval: seconds between the
parameter sets sent in band (-1: before every keyframe; 0, the default:
never, only in the SDP's sprop-parameter-sets).

The stream is rtsp://127.0.0.1:P/stream. Prints "ready" once it listens;
runs until killed."""
import argparse
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", required=True)
    p.add_argument("--file", required=True)
    p.add_argument("--video", choices=["h264", "h265"], default="h264")
    p.add_argument("--audio", choices=["aac", "opus"], default="aac")
    p.add_argument("--config-interval", type=int, default=0)
    args = p.parse_args()

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(args.port)
    factory = GstRtspServer.RTSPMediaFactory()
    audio = {
        "aac": "aacparse ! rtpmp4gpay name=pay1 pt=97",
        "opus": "opusparse ! rtpopuspay name=pay1 pt=97",
    }[args.audio]
    demux = "qtdemux" if args.file.endswith(".mp4") else "matroskademux"
    factory.set_launch(
        '( filesrc location="%s" ! %s name=d '
        "d.video_0 ! queue ! %sparse ! rtp%spay name=pay0 pt=96 config-interval=%d "
        "d.audio_0 ! queue ! %s )"
        % (args.file, demux, args.video, args.video, args.config_interval, audio)
    )
    factory.set_shared(False)
    server.get_mount_points().add_factory("/stream", factory)
    if server.attach(None) == 0:
        print("cannot listen on port %s" % args.port, file=sys.stderr)
        return 1
    print("ready", flush=True)
    GLib.MainLoop().run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
