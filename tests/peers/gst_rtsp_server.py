#!/usr/bin/python3
"""GStreamer's RTSP server (gst-rtsp-server) serving one H.264 or H.265 MP4 file, as a
real peer for flowcast-client's RTSP tests. Run with Debian's /usr/bin/python3
(python3-gi and gir1.2-gst-rtsp-server-1.0).

  gst_rtsp_server.py --port P --file F [--codec h264|h265] [--protocols tcp|udp|both]
                     [--user U --password S [--auth basic|digest]] [--decode-order]

The stream is rtsp://127.0.0.1:P/stream. Prints "ready" once it listens;
runs until killed.

--decode-order: F is a raw Annex B elementary stream (.264/.265), which
carries no presentation times; each access unit is stamped with its decode
time, one frame after the one before, B-frames or not, as live555's server
stamps such files."""
import argparse
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", required=True)
    p.add_argument("--file", required=True)
    p.add_argument("--codec", choices=["h264", "h265"], default="h264")
    p.add_argument("--protocols", choices=["tcp", "udp", "both"], default="both")
    p.add_argument("--user")
    p.add_argument("--password")
    p.add_argument("--auth", choices=["basic", "digest"], default="basic")
    p.add_argument("--decode-order", action="store_true")
    args = p.parse_args()

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(args.port)
    factory = GstRtspServer.RTSPMediaFactory()
    # The file's own access units, parameter sets before every keyframe.
    if args.decode_order:
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
    else:
        factory.set_launch(
            '( filesrc location="%s" ! qtdemux ! %sparse ! '
            "rtp%spay name=pay0 pt=96 config-interval=-1 )" % (args.file, args.codec, args.codec)
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
