#pragma once
// Each run's own flowcast-report page, for the sweep's page to link to: the
// report library's page of the run's client.json (with its emulated link,
// from server.json), written to OUT/runs/<id>/report.html, where
// `flowcast-report runs/<id>/client.json --server runs/<id>/server.json -o
// runs/<id>/report.html` would write it. Reads and writes files; any one
// thread.
#include <string>
#include <vector>

#include "client/sweep/sweep_plots.hpp"
#include "client/sweep/sweep_results.hpp"

namespace flowcast::client::sweep {

// Writes the page of every ok record whose runs/<id>/client.json is in
// sweep_dir (again only when the client.json is newer than the page), and
// returns each such run's href relative to the folder of page_path (the
// sweep's page), percent-encoded. A run whose metrics cannot be read or
// whose page cannot be written gets no link, and a line in problems.
RunLinks write_run_pages(const std::string& sweep_dir, const std::vector<RunRecord>& records,
                         const std::string& page_path, std::vector<std::string>& problems);

// A relative path as a URL path: bytes other than letters, digits and
// -._~/ percent-encoded (RFC 3986 §2.1).
std::string url_path(const std::string& path);

}  // namespace flowcast::client::sweep
