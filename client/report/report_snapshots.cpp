#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <system_error>

#include "client/metrics/metrics_document.hpp"
#include "client/report/html_text.hpp"
#include "client/report/report_sections.hpp"
#include "media/ffmpeg/base64.hpp"

namespace flowcast::client::report_page {

namespace keys = metrics_keys;

namespace {

// Snapshots are frames of a video, a few hundred KiB at most; anything far
// larger is not one, and would bloat the page.
constexpr std::uintmax_t kMaxSnapshotBytes = 32u << 20;

// Lower-case letters, digits and dashes only: for class names built from data.
std::string css_token(const std::string& s) {
  std::string out;
  for (char c : s)
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') out += c;
  return out.empty() ? "other" : out;
}

// The PNG's bytes, or nullopt with the reason in error.
std::optional<std::string> read_png(const std::filesystem::path& path, std::string& error) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    error = std::filesystem::exists(path, ec) ? "not a file" : "no such file";
    return std::nullopt;
  }
  const auto size = std::filesystem::file_size(path, ec);
  if (ec || size > kMaxSnapshotBytes) {
    error = ec ? ec.message() : "larger than 32 MiB";
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) {
    error = "cannot read it";
    return std::nullopt;
  }
  if (bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0) {
    error = "not a PNG";
    return std::nullopt;
  }
  return bytes;
}

std::string snapshot_figure(const json& snap, const std::string& base_dir,
                            std::optional<double> first_pts_ms) {
  const json* file = find(snap, keys::kSnapshotFile);
  const json* kind_v = find(snap, keys::kSnapshotKind);
  const std::string kind = kind_v && kind_v->is_string() ? kind_v->get<std::string>() : "";
  std::string caption = kind.empty() ? "snapshot" : html_escape(kind);
  if (auto t = number_at(snap, keys::kSnapshotTMs)) caption += " at " + seconds(*t);
  // Media time from the first picture the run compared or saved: a live
  // source's timestamps start anywhere.
  if (auto pts = number_at(snap, keys::kSnapshotPtsMs))
    caption += ", media time +" + seconds(*pts - first_pts_ms.value_or(*pts));
  if (auto psnr = number_at(snap, keys::kSnapshotPsnr))
    caption += ", PSNR " + format_number(*psnr, 2) + " dB";
  else if (find(snap, keys::kSnapshotPsnr))
    caption += ", PSNR \u2014";
  const std::string cls = "snapshot snapshot-" + css_token(kind);
  if (!file || !file->is_string() || file->get_ref<const std::string&>().empty())
    return "<figure class=\"" + cls + " unreadable\"><figcaption>" + caption +
           ": the metrics name no file</figcaption></figure>\n";
  const std::string& name = file->get_ref<const std::string&>();
  // Relative paths are relative to the metrics file's folder (flowcast-client
  // writes them so); older files named them from the client's working
  // directory, which is tried second.
  std::filesystem::path path(name);
  std::string error;
  std::optional<std::string> png;
  if (path.is_relative() && !base_dir.empty()) {
    const std::filesystem::path beside = std::filesystem::path(base_dir) / path;
    png = read_png(beside, error);
    if (!png) {
      std::string second;
      if (auto as_given = read_png(path, second)) {
        png = std::move(as_given);
      } else {
        path = beside;
      }
    }
  } else {
    png = read_png(path, error);
  }
  if (!png)
    return "<figure class=\"" + cls + " unreadable\"><figcaption>" + caption + ": cannot read " +
           html_escape(path.string()) + " (" + html_escape(error) + ")</figcaption></figure>\n";
  return "<figure class=\"" + cls + "\"><img alt=\"" + caption + "\" src=\"data:image/png;base64," +
         media::base64_encode(*png) + "\"><figcaption>" + caption + "<br><span class=\"file\">" +
         html_escape(name) + "</span></figcaption></figure>\n";
}

}  // namespace

std::string snapshots_section(const std::vector<ReportRun>& runs) {
  std::string s = "<section id=\"snapshots\">\n<h2>Snapshots</h2>\n";
  bool any = false;
  for (size_t i = 0; i < runs.size(); ++i) {
    const json* snaps = find(runs[i].metrics, keys::kSnapshots);
    if (!snaps || !snaps->is_array() || snaps->empty()) continue;
    any = true;
    s += "<h3 style=\"color:" + colour_of(i) + "\">" + html_escape(runs[i].label) +
         "</h3>\n<div class=\"snapshots\">\n";
    // The worst picture and its reference side by side, on a row of their own.
    std::string pair, rest;
    const auto first_pts = series_of(runs[i].metrics).first_pts_ms;
    for (const json& snap : *snaps) {
      const json* kind = find(snap, keys::kSnapshotKind);
      const bool worst =
          kind && kind->is_string() && kind->get_ref<const std::string&>().rfind("worst", 0) == 0;
      (worst ? pair : rest) += snapshot_figure(snap, runs[i].base_dir, first_pts);
    }
    if (!pair.empty()) s += "<div class=\"snapshot-pair\">\n" + pair + "</div>\n";
    s += rest;
    s += "</div>\n";
  }
  if (!any)
    s += "<p>No snapshots in these runs (flowcast-client <code>--snapshot DIR</code> saves "
         "them).</p>\n";
  return s + "</section>\n";
}

}  // namespace flowcast::client::report_page
