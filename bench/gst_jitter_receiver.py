#!/usr/bin/python3
"""GStreamer's RTSP player as bench/jitter.sh's reference receiver: rtspsrc
over UDP (its rtpbin's rtpjitterbuffer, at --latency ms) plays an H.264
stream, decoded, to a clock-synchronised fakesink, and once the stream
ends (EOS: the sender's RTCP BYE) writes the jitterbuffer's and the sink's
statistics as JSON. Run with Debian's /usr/bin/python3 (python3-gi,
gir1.2-gstreamer-1.0; rtspsrc and rtpjitterbuffer are in
gstreamer1.0-plugins-good, avdec_h264 in gstreamer1.0-libav).

  gst_jitter_receiver.py --url rtsp://HOST:PORT/PATH [--latency MS]
                         [--max-lateness MS] [--timeout S] [--json FILE]

The pipeline, every other property at its default:

  rtspsrc location=URL protocols=udp latency=MS ! rtph264depay ! h264parse
    ! avdec_h264 qos=false ! fakesink sync=true qos=false max-lateness=MS

The JSON (to --json FILE, else stdout):

  eos                 true when the stream ended; false after an error or
                      --timeout (the figures so far are written all the same)
  error               GStreamer's error message, or null
  seconds             from PLAYING to the end, wall clock
  pipeline_latency_ms the pipeline's latency (a latency query while it
                      plays, the last answer): the jitterbuffer's plus what
                      the depayloader, parser and decoder add; a live sink
                      shows each picture that long after its timestamp
  jitterbuffer        rtpjitterbuffer's `stats` at the end, summed over its
                      jitterbuffers (one per SSRC): num-pushed, num-lost,
                      num-late, num-duplicates, avg-jitter (ns), rtx-count ...
                      (GStreamer's rtpjitterbuffer docs, "stats")
  jitterbuffers       each one's ssrc, latency (ms), mode, do-lost,
                      do-retransmission, as rtspsrc set them, and its stats
  sink                the fakesink's `stats` (GstBaseSink): rendered, and
                      dropped (pictures that reached it more than
                      --max-lateness after their time)

--max-lateness: 20 ms by default, what GStreamer's video sinks (GstVideoSink)
set; QoS is off, so the decoder decodes every picture and a late one is
counted at the sink only.

Exit status: 0 at EOS; 1 when the stream failed (an error, or no EOS within
--timeout); 2 on a bad option, or GStreamer's bindings or elements missing.
"""
import argparse
import json
import os
import sys
import time

NAME = "gst_jitter_receiver"
ELEMENTS = ("rtspsrc", "rtpjitterbuffer", "rtph264depay", "h264parse", "avdec_h264", "fakesink")


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog=NAME,
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join(__doc__.split("\n\n")[1:]),
    )
    p.add_argument("--url", required=True, help="the stream, rtsp://HOST:PORT/PATH")
    p.add_argument("--latency", type=int, default=200,
                   help="rtspsrc's latency, the jitterbuffer's, in ms (default 200, "
                        "rtpjitterbuffer's own default)")
    p.add_argument("--max-lateness", type=int, default=20,
                   help="the sink drops a picture this late or later, in ms (default 20)")
    p.add_argument("--timeout", type=float, default=60,
                   help="give up when the stream has not ended after this many s (default 60)")
    p.add_argument("--json", metavar="FILE", help="write the figures here (default: stdout)")
    args = p.parse_args(argv)
    if not args.url.startswith("rtsp://"):
        p.error("--url takes an rtsp:// URL, not %r" % args.url)
    if args.latency < 0 or args.max_lateness < 0 or args.timeout <= 0:
        p.error("--latency and --max-lateness take ms, 0 or more; --timeout s, more than 0")
    return args


def load_gstreamer():
    """Gst and GLib, initialised, or None after saying what is missing."""
    try:
        import gi

        gi.require_version("Gst", "1.0")
        from gi.repository import GLib, Gst
    except (ImportError, ValueError) as e:
        print("%s: GStreamer's Python bindings are missing (%s): run it with Debian's "
              "/usr/bin/python3, with python3-gi and gir1.2-gstreamer-1.0 installed" % (NAME, e),
              file=sys.stderr)
        return None
    Gst.init(None)
    missing = [e for e in ELEMENTS if Gst.ElementFactory.find(e) is None]
    if missing:
        print("%s: GStreamer elements missing: %s (gstreamer1.0-plugins-good, -bad, -libav)"
              % (NAME, ", ".join(missing)), file=sys.stderr)
        return None
    return Gst, GLib


def structure_dict(s):
    """A GstStructure's fields as a dict (numbers and strings as they are)."""
    if s is None:
        return {}
    return {s.nth_field_name(i): s.get_value(s.nth_field_name(i)) for i in range(s.n_fields())}


def main(argv):
    args = parse_args(argv)
    loaded = load_gstreamer()
    if loaded is None:
        return 2
    Gst, GLib = loaded

    pipeline = Gst.parse_launch(
        'rtspsrc name=src location="%s" protocols=udp latency=%d ! rtph264depay ! h264parse '
        "! avdec_h264 qos=false ! fakesink name=sink sync=true qos=false max-lateness=%d"
        % (args.url, args.latency, args.max_lateness * Gst.MSECOND))
    src = pipeline.get_by_name("src")
    sink = pipeline.get_by_name("sink")

    # rtpbin makes one jitterbuffer per SSRC; they are kept here (the
    # streaming thread appends) so their stats outlive rtpbin's clean-up
    # after the BYE.
    jitterbuffers = []

    def on_jitterbuffer(_rtpbin, jb, _session, ssrc):
        jitterbuffers.append((ssrc, jb))

    src.connect("new-manager",
                lambda _src, manager: manager.connect("new-jitterbuffer", on_jitterbuffer))

    result = {"eos": False, "error": None, "seconds": None, "pipeline_latency_ms": None}
    loop = GLib.MainLoop()

    def on_tick():
        query = Gst.Query.new_latency()
        if pipeline.query(query):
            live, min_latency, _ = query.parse_latency()
            if live:
                result["pipeline_latency_ms"] = round(min_latency / Gst.MSECOND, 3)
        return True

    def on_message(_bus, msg):
        if msg.type == Gst.MessageType.EOS:
            result["eos"] = True
            loop.quit()
        elif msg.type == Gst.MessageType.ERROR:
            err, debug = msg.parse_error()
            result["error"] = "%s: %s (%s)" % (msg.src.get_name(), err.message, debug)
            loop.quit()

    def on_timeout():
        result["error"] = "the stream did not end within %g s" % args.timeout
        loop.quit()
        return False

    bus = pipeline.get_bus()
    bus.add_signal_watch()
    bus.connect("message", on_message)
    started = time.monotonic()
    if pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
        result["error"] = "the pipeline would not start (is the server there? %s)" % args.url
    else:
        GLib.timeout_add(int(args.timeout * 1000), on_timeout)
        GLib.timeout_add(500, on_tick)
        loop.run()
    result["seconds"] = round(time.monotonic() - started, 3)

    # Read at the end, before the pipeline stops (which sends the TEARDOWN).
    totals = {}
    each = []
    for ssrc, jb in jitterbuffers:
        stats = structure_dict(jb.get_property("stats"))
        for k, v in stats.items():
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                totals[k] = totals.get(k, 0) + v
        each.append({
            "ssrc": ssrc,
            "latency_ms": jb.get_property("latency"),
            "mode": jb.get_property("mode").value_nick,
            "do_lost": jb.get_property("do-lost"),
            "do_retransmission": jb.get_property("do-retransmission"),
            "stats": stats,
        })
    result["jitterbuffer"] = totals if each else None
    result["jitterbuffers"] = each
    sink_stats = structure_dict(sink.get_property("stats"))
    result["sink"] = {
        "rendered": sink_stats.get("rendered"),
        "dropped": sink_stats.get("dropped"),
        "max_lateness_ms": args.max_lateness,
    }
    pipeline.set_state(Gst.State.NULL)
    bus.remove_signal_watch()

    text = json.dumps(result, indent=1, sort_keys=True)
    if args.json:
        with open(args.json + ".tmp", "w") as f:
            f.write(text + "\n")
        os.replace(args.json + ".tmp", args.json)
    else:
        print(text)
    if result["error"]:
        print("%s: %s" % (NAME, result["error"]), file=sys.stderr)
        return 1
    if not each:
        print("%s: no RTP reached a jitterbuffer from %s" % (NAME, args.url), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
