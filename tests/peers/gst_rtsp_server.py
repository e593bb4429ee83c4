#!/usr/bin/python3
"""GStreamer's RTSP server (gst-rtsp-server) serving one H.264 or H.265 MP4 file, or
test sources, as a real peer for flowcast-client's RTSP tests. Run with Debian's
/usr/bin/python3 (python3-gi and gir1.2-gst-rtsp-server-1.0).

  gst_rtsp_server.py --port P --file F [--codec h264|h265] [--protocols tcp|udp|both]
                     [--user U --password S [--auth basic|digest]] [--decode-order]
                     [--audio aac|opus [--config-interval N]]
  gst_rtsp_server.py --port P --test-source SECONDS [--audio opus|aac] [--no-video] ...

The stream is rtsp://127.0.0.1:P/stream. Prints "ready" once it listens;
runs until killed.

--file F --audio aac|opus: F holds video and sound, as a camera or an
encoder with sound serves them. F is MP4 (qtdemux) or Matroska
(matroskademux); MP4 keeps the audio's timestamps exact, where Matroska
rounds them to the millisecond (and so does the RTP timestamp the payloader
takes). The audio goes as RFC 3640 mpeg4-generic with its
AudioSpecificConfig in the SDP (rtpmp4gpay) or as RFC 7587 Opus, payload
type 97. --config-interval: seconds between the parameter sets sent in band
(-1, the default: before every keyframe; 0: never, only in the SDP's
sprop-parameter-sets).

--decode-order: F is a raw Annex B elementary stream (.264/.265), which
carries no presentation times; each access unit is stamped with its decode
time, one frame after the one before, B-frames or not, as live555's server
stamps such files.

--test-source SECONDS: no file; videotestsrc (320x240, 30 fps, H.264 from
x264enc, pt 96) and, with --audio, audiotestsrc (a 440 Hz stereo tone:
Opus at 48 kHz through opusenc and rtpopuspay, RFC 7587, or AAC at
44.1 kHz through avenc_aac and rtpmp4gpay, RFC 3640 AAC-hbr; pt 97), live
(paced in real time) for SECONDS each, then EOS. The media sends sender
reports for both streams from the one pipeline clock, so equal NTP times
are the same instant (RFC 3550 §6.4.1). --no-video leaves the video out."""
import argparse
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402


def test_source_launch(args):
    """The launch line of --test-source: pay0 the video (unless --no-video),
    then the audio (pay0 when alone, else pay1)."""
    parts = []
    if not args.no_video:
        parts.append(
            "videotestsrc is-live=true num-buffers=%d pattern=smpte ! "
            "video/x-raw,width=320,height=240,framerate=30/1,format=I420 ! "
            "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=30 ! "
            "video/x-h264,profile=constrained-baseline ! h264parse ! "
            "rtph264pay name=pay0 pt=96 config-interval=-1" % round(args.test_source * 30)
        )
    if args.audio:
        rate = 48000 if args.audio == "opus" else 44100
        # 20 ms buffers: the track ends within 20 ms of SECONDS.
        head = (
            "audiotestsrc is-live=true wave=sine freq=440 samplesperbuffer=%d num-buffers=%d ! "
            "audio/x-raw,rate=%d,channels=2 ! audioconvert ! "
            % (rate // 50, round(args.test_source * 50), rate)
        )
        pay = "pay%d" % len(parts)
        if args.audio == "opus":
            parts.append(head + "opusenc ! rtpopuspay name=%s pt=97" % pay)
        else:
            parts.append(head + "avenc_aac ! rtpmp4gpay name=%s pt=97" % pay)
    return " ".join(parts)


def short_rtcp(media):
    """Sender reports every 0.5 s instead of rtpbin's 5 s minimum (RFC 3550
    §6.2 allows a smaller one), so a few seconds of media carry several: a
    receiver maps both streams to the sender's clock within the first
    second."""
    for i in range(media.n_streams()):
        session = media.get_stream(i).get_rtpsession()
        if session is not None:
            session.set_property("rtcp-min-interval", 500 * Gst.MSECOND)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", required=True)
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--file")
    source.add_argument("--test-source", type=float, metavar="SECONDS")
    p.add_argument("--audio", choices=["opus", "aac"])
    p.add_argument("--no-video", action="store_true")
    p.add_argument("--codec", choices=["h264", "h265"], default="h264")
    p.add_argument("--protocols", choices=["tcp", "udp", "both"], default="both")
    p.add_argument("--user")
    p.add_argument("--password")
    p.add_argument("--auth", choices=["basic", "digest"], default="basic")
    p.add_argument("--decode-order", action="store_true")
    p.add_argument("--config-interval", type=int, default=-1)
    args = p.parse_args()

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(args.port)
    factory = GstRtspServer.RTSPMediaFactory()
    # The file's own access units, parameter sets before every keyframe.
    if args.test_source is not None:
        factory.set_launch("( %s )" % test_source_launch(args))
        factory.connect("media-configure", lambda _f, media: media.connect("prepared", short_rtcp))
    elif args.decode_order:
        # The parser times a raw stream in decode order (DTS) only; the
        # payloader stamps what it is given as the presentation time.
        factory.set_launch(
            '( filesrc location="%s" ! %sparse name=parse ! '
            "rtp%spay name=pay0 pt=96 config-interval=-1 )" % (args.file, args.codec, args.codec)
        )

        def stamp_decode_order(_pad, info):
            buf = info.get_buffer()
            buf.pts = buf.dts
            return Gst.PadProbeReturn.OK

        def on_configure(_factory, media):
            parse = media.get_element().get_by_name("parse")
            parse.get_static_pad("src").add_probe(Gst.PadProbeType.BUFFER, stamp_decode_order)

        factory.connect("media-configure", on_configure)
    elif args.audio:
        audio = {
            "aac": "aacparse ! rtpmp4gpay name=pay1 pt=97",
            "opus": "opusparse ! rtpopuspay name=pay1 pt=97",
        }[args.audio]
        demux = "qtdemux" if args.file.endswith(".mp4") else "matroskademux"
        factory.set_launch(
            '( filesrc location="%s" ! %s name=d '
            "d.video_0 ! queue ! %sparse ! rtp%spay name=pay0 pt=96 config-interval=%d "
            "d.audio_0 ! queue ! %s )"
            % (args.file, demux, args.codec, args.codec, args.config_interval, audio)
        )
    else:
        factory.set_launch(
            '( filesrc location="%s" ! qtdemux ! %sparse ! '
            "rtp%spay name=pay0 pt=96 config-interval=%d )"
            % (args.file, args.codec, args.codec, args.config_interval)
        )
    factory.set_shared(False)
    lower = {
        "tcp": GstRtsp.RTSPLowerTrans.TCP,
        "udp": GstRtsp.RTSPLowerTrans.UDP,
        "both": GstRtsp.RTSPLowerTrans.TCP | GstRtsp.RTSPLowerTrans.UDP,
    }[args.protocols]
    factory.set_protocols(lower)
    if args.user:
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string("media.factory.role", "viewer")
        if args.auth == "digest":
            auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
            auth.add_digest(args.user, args.password, token)
        else:
            auth.set_supported_methods(GstRtsp.RTSPAuthMethod.BASIC)
            auth.add_basic(GstRtspServer.RTSPAuth.make_basic(args.user, args.password), token)
        server.set_auth(auth)
        permissions = GstRtspServer.RTSPPermissions()
        permissions.add_permission_for_role("viewer", "media.factory.access", True)
        permissions.add_permission_for_role("viewer", "media.factory.construct", True)
        factory.set_permissions(permissions)
    server.get_mount_points().add_factory("/stream", factory)
    if server.attach(None) == 0:
        print("cannot listen on port %s" % args.port, file=sys.stderr)
        return 1
    print("ready", flush=True)
    GLib.MainLoop().run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
