#pragma once
// The tables of a sweep (docs/SWEEPS.md): runs.csv, one row per run, and
// conditions.csv, one row per condition with the mean, the median and a
// 95 % confidence interval of each headline figure over the condition's ok
// runs (its seeds). Pure functions; any thread.
#include <optional>
#include <string>
#include <vector>

#include "client/sweep/sweep_results.hpp"

namespace flowcast::client::sweep {

// Summary of one figure over n samples.
struct Summary {
  size_t n = 0;
  double mean = 0;
  double median = 0;
  // The 95 % confidence interval of the mean: mean ± t(0.975, n−1) · s / √n,
  // s the sample standard deviation (n − 1 in the denominator); Student's t
  // (NIST/SEMATECH e-Handbook of Statistical Methods, §7.2.2.1). Absent
  // below two samples.
  std::optional<double> ci_low;
  std::optional<double> ci_high;
};

// The two-sided 97.5 % quantile of Student's t with df degrees of freedom
// (df >= 1): exact to 3 decimals for df <= 30 (the NIST table, §1.3.6.7.2),
// then the table's value at the next lower tabulated df (40, 60, 120), and
// 1.960 beyond: never narrower than the exact interval.
double t_quantile_975(size_t df);
// Summary of samples (any order); n = 0 and zeros for none.
Summary summarize(std::vector<double> samples);

// One headline figure: its column name and how to read it from a record.
struct Figure {
  const char* name;
  std::optional<double> (*read)(const Headline&);
};
// Every figure of the tables, in column order.
const std::vector<Figure>& figures();

// runs.csv (RFC 4180): id, one column per axis the records use, seed,
// status, attempts, error, every figure (empty when null), the commands.
std::string runs_csv(const std::vector<RunRecord>& records);
// conditions.csv: the axis columns, runs (records), ok, failed, invalid,
// then per figure NAME_mean, NAME_median, NAME_ci_low, NAME_ci_high over
// the condition's ok runs. Conditions in first-seen order.
std::string conditions_csv(const std::vector<RunRecord>& records);

}  // namespace flowcast::client::sweep
