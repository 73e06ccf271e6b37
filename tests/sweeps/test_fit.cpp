#include <gtest/gtest.h>
#include <unistd.h>

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "symsweep/core/error.hpp"
#include "symsweep/core/theorem2.hpp"
#include "commands/fit_command.hpp"
#include "spec/spec.hpp"
#include "store/fit_results.hpp"
#include "store/schema.hpp"
#include "store/store.hpp"

namespace symsweep::sweeps {
namespace {

/// A results database whose test accuracies follow a known threshold law:
/// f*(n, |H|) = 3 n^1.3 / |H| / n^2, accuracy = a logistic step in log f around it.
class FitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() /
             ("symsweep_fit_" + std::to_string(::getpid()) + ".db"))
                .string();
    std::filesystem::remove(path_);
    ResultsStore store(path_, Database::Mode::kReadWrite);
    const SweepSpec s = parse_spec(R"(
[sweep]
name = "law"
seeds = 3
[grid]
group = ["cyclic:12", "cyclic:18", "cyclic:24", "cyclic:30", "cyclic:36"]
augment = ["none", "order:2", "order:3"]
data_fraction = {logspace = [0.02, 0.9, 14]}
[train]
steps = 1
)",
                                   "law.toml");
    const std::int64_t id = store.upsert_sweep(s.name, s.text, s.hash);
    store.add_runs(id, s.runs);
    for (const auto& p : store.pending_runs(id)) {
      const double n = core::GroupContextCache().get(p.config.group).group().order();
      const double h = core::make_subgroup(core::make_group(p.config.group), p.config.augment).size();
      const double fstar = 3.0 * std::pow(n, 1.3) / h / (n * n);
      const double jitter = 0.05 * (static_cast<double>(p.config.train.seed) - 1.0);
      const double x = (std::log(p.config.data_fraction) - std::log(fstar) - jitter) / 0.08;
      core::RunOutcome o;
      o.result.log.resize(1);
      o.result.log[0].test_acc = 1.0 / (1.0 + std::exp(-x));
      // Augmentation grows the training set by less than |H| (orbits overlap more at larger
      // f), a little differently per seed; without augmentation it is the sampled pairs.
      o.sampled_pairs = static_cast<std::size_t>(std::llround(p.config.data_fraction * n * n));
      const double growth =
          h == 1.0 ? 1.0
                   : h * (1.0 - 0.4 * p.config.data_fraction) *
                         (1.0 + 0.03 * static_cast<double>(p.config.train.seed));
      o.train_pairs = static_cast<std::size_t>(
          std::llround(std::min(n * n, growth * static_cast<double>(o.sampled_pairs))));
      store.mark_running(p.id);
      store.write_result(p.id, o, Provenance{});
    }
  }
  void TearDown() override {
    for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + ext);
  }
  std::string path_;
};

double scalar(Database& db, const std::string& sql) {
  Statement s = db.prepare(sql);
  EXPECT_TRUE(s.step()) << sql;
  return s.real(0);
}

TEST_F(FitTest, RecoversTheExponentsAndReplacesEarlierFits) {
  FitOptions o;
  o.db = path_;
  o.eps = {0.5, 0.1};
  o.bootstrap = 200;
  testing::internal::CaptureStdout();
  ASSERT_EQ(run_fit(o), 0);
  ASSERT_EQ(run_fit(o), 0);  // a second fit replaces the first one's rows
  testing::internal::GetCapturedStdout();
  ResultsStore store(path_, Database::Mode::kReadOnly);
  EXPECT_EQ(scalar(store.db(), "SELECT count(*) FROM critical_fractions"), 5 * 3 * 2);
  const double alpha = scalar(store.db(),
                              "SELECT estimate FROM fits WHERE model = 'power' AND "
                              "parameter = 'alpha'");
  const double gamma = scalar(store.db(),
                              "SELECT estimate FROM fits WHERE model = 'power' AND "
                              "parameter = 'gamma'");
  EXPECT_NEAR(alpha, 1.3, 0.1);
  EXPECT_NEAR(gamma, 1.0, 0.1);
  EXPECT_LE(scalar(store.db(), "SELECT low FROM fits WHERE model = 'power' AND parameter = 'alpha'"),
            alpha);
  EXPECT_EQ(scalar(store.db(), "SELECT count(DISTINCT parameter) FROM fits WHERE model = 'power'"),
            4);  // C, alpha, gamma, beta
  // f* of Z_24 without augmentation, at eps = 0.5: 3 * 24^1.3 / 576 (up to the seed jitter).
  const double f24 = scalar(store.db(),
                            "SELECT estimate FROM critical_fractions WHERE group_order = 24 AND "
                            "augment_order = 1 AND eps = 0.5");
  EXPECT_NEAR(std::log(f24), std::log(3.0 * std::pow(24.0, 1.3) / 576.0), 0.1);
}

TEST_F(FitTest, StoresWhatTheCellsIntervalsOweAndWhyALawIsWeak) {
  FitOptions o;
  o.db = path_;
  o.bootstrap = 200;
  o.eps = {0.5, 0.1};  // two eps values: beta is a line through two points
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  ASSERT_EQ(run_fit(o), 0);
  testing::internal::GetCapturedStdout();
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("is weak: beta rests on 2 distinct eps values"), std::string::npos) << err;
  {
    ResultsStore store(path_, Database::Mode::kReadOnly);
    EXPECT_EQ(scalar(store.db(), "SELECT count(*) FROM fits WHERE warnings IS NULL OR warnings "
                                 "NOT LIKE '%beta rests on 2 distinct eps values%'"),
              0);
    // Every parameter's share lies in [0, 1], and the cells' intervals (a grid step or more
    // each) account for some of every interval.
    EXPECT_EQ(scalar(store.db(), "SELECT count(*) FROM fits WHERE NOT (fstar_share > 0 AND "
                                 "fstar_share <= 1)"),
              0);
  }
  o.eps = {0.5, 0.2, 0.1};
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  ASSERT_EQ(run_fit(o), 0);
  testing::internal::GetCapturedStdout();
  testing::internal::GetCapturedStderr();
  ResultsStore store(path_, Database::Mode::kReadOnly);
  // The laws over three eps have no such warning; those over two stay stored beside them.
  EXPECT_EQ(scalar(store.db(), "SELECT count(*) FROM fits WHERE eps = '0.5,0.2,0.1' AND "
                               "warnings LIKE '%beta rests%'"),
            0);
  EXPECT_GT(scalar(store.db(), "SELECT count(*) FROM fits WHERE eps = '0.5,0.2,0.1'"), 0);
  EXPECT_EQ(scalar(store.db(), "SELECT count(*) FROM fits WHERE eps = '0.5,0.1' AND (warnings "
                               "IS NULL OR warnings NOT LIKE '%beta rests%')"),
            0);
}

/// A sweep whose runs log rho_kkk (1 - exp(-C t) with a per-run rate and a ripple, so that
/// the fits are not exact): finished runs with and without a test set (f = 1), and one run
/// left pending. Keeps each finished run's log, to fit it independently of the store.
class FitTheorem2Test : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() /
             ("symsweep_fit_t2_" + std::to_string(::getpid()) + ".db"))
                .string();
    std::filesystem::remove(path_);
    ResultsStore store(path_, Database::Mode::kReadWrite);
    const SweepSpec s = parse_spec(R"(
[sweep]
name = "t2"
seeds = 2
[grid]
group = ["cyclic:7"]
data_fraction = [0.4, 1.0]
[train]
lr = 2e-3
steps = 600
log_every = 50
)",
                                   "t2.toml");
    const std::int64_t id = store.upsert_sweep(s.name, s.text, s.hash);
    store.add_runs(id, s.runs);
    const auto pending = store.pending_runs(id);
    ASSERT_EQ(pending.size(), 4u);
    for (std::size_t i = 0; i + 1 < pending.size(); ++i) {  // the last one stays pending
      const auto& p = pending[i];
      core::RunOutcome o;
      for (int step = 0; step <= 600; step += 50) {
        core::StepMetrics m;
        m.step = step;
        const double t = p.config.train.lr * step;
        std::vector<std::complex<double>> rho;
        for (int k = 1; k <= 6; ++k) {
          const double c = 0.8 + 0.3 * k + 0.1 * static_cast<double>(i);
          rho.emplace_back(1.0 - std::exp(-c * t) + 0.01 * std::sin(3.0 * k + step), 0.0);
        }
        m.rho_kkk = rho;
        if (p.config.data_fraction < 1.0) m.test_acc = 0.5;  // f = 1: no test set
        o.result.log.push_back(m);
      }
      logs_[p.id] = o.result.log;
      lr_[p.id] = p.config.train.lr;
      if (p.config.data_fraction == 1.0) ++without_test_set_;
      store.mark_running(p.id);
      store.write_result(p.id, o, Provenance{});
    }
    unfinished_ = pending.back().id;
  }
  void TearDown() override {
    for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + ext);
  }
  /// Runs fit on the sweep; returns its stderr.
  std::string fit() {
    FitOptions o;
    o.db = path_;
    o.eps = {0.5};
    o.bootstrap = 10;
    testing::internal::CaptureStdout();
    testing::internal::CaptureStderr();
    EXPECT_EQ(run_fit(o), 0);
    testing::internal::GetCapturedStdout();
    return testing::internal::GetCapturedStderr();
  }
  /// The stored fits agree with core::fit_theorem2 on each finished run's own log.
  void expect_stored_fits_of_logs() {
    ResultsStore store(path_, Database::Mode::kReadOnly);
    for (const auto& [run, log] : logs_) {
      const core::Theorem2Summary expected = core::fit_theorem2(log, lr_.at(run));
      const std::vector<Theorem2Row> stored = read_theorem2_fits(store.db(), run);
      ASSERT_EQ(stored.size(), expected.per_k.size()) << "run " << run;
      for (std::size_t j = 0; j < stored.size(); ++j) {
        const core::Theorem2Fit& e = expected.per_k[j];
        const core::Theorem2Fit& f = stored[j].fit;
        EXPECT_EQ(f.k, e.k);
        EXPECT_EQ(f.fitted, e.fitted);
        EXPECT_DOUBLE_EQ(f.c, e.c) << "run " << run << " k " << e.k;
        EXPECT_DOUBLE_EQ(f.r2, e.r2);
        EXPECT_DOUBLE_EQ(f.rmse, e.rmse);
        EXPECT_EQ(f.points, e.points);
        EXPECT_EQ(stored[j].dim, 1);
      }
    }
  }
  std::string path_;
  std::map<std::int64_t, std::vector<core::StepMetrics>> logs_;
  std::map<std::int64_t, double> lr_;
  std::int64_t unfinished_ = 0;
  int without_test_set_ = 0;  ///< finished runs with f = 1
};

TEST_F(FitTheorem2Test, StoresEveryFinishedRunsFitsAndASecondFitReplacesThem) {
  const std::string err = fit();
  EXPECT_NE(err.find("Theorem 2 fits of 3 runs stored (18 potentials)"), std::string::npos)
      << err;
  expect_stored_fits_of_logs();
  {
    ResultsStore store(path_, Database::Mode::kReadOnly);
    EXPECT_TRUE(read_theorem2_fits(store.db(), unfinished_).empty());
    // Runs with f = 1 have no test set, so no f*, but their potentials are fitted.
    ASSERT_GT(without_test_set_, 0);
    EXPECT_EQ(scalar(store.db(), "SELECT count(*) FROM theorem2_fits JOIN runs ON runs.id = "
                                 "theorem2_fits.run_id WHERE runs.test_acc IS NULL"),
              without_test_set_ * 6);
  }

  // Halve one run's logged potentials: a second fit stores that run's new rates in place of
  // the old ones (one row per k, as before).
  const std::int64_t changed = logs_.begin()->first;
  {
    ResultsStore store(path_, Database::Mode::kReadWrite);
    store.db()
        .prepare("UPDATE potentials SET re = re * 0.5 WHERE run_id = ?1")
        .bind(1, changed)
        .run();
  }
  for (core::StepMetrics& m : logs_.at(changed)) {
    for (std::complex<double>& r : *m.rho_kkk) r = {r.real() * 0.5, r.imag()};
  }
  fit();
  expect_stored_fits_of_logs();
  ResultsStore store(path_, Database::Mode::kReadOnly);
  EXPECT_EQ(scalar(store.db(), "SELECT count(*) FROM theorem2_fits"), 3 * 6);
}

TEST_F(FitTest, RejectsBadArguments) {
  FitOptions o;
  o.db = path_;
  o.eps = {1.5};
  EXPECT_THROW(run_fit(o), InputError);
  o.eps = {0.1};
  o.sweep = "nope";
  EXPECT_THROW(run_fit(o), InputError);
}


// ---- fit's output, its keys, its settings, its count bases (issue 13) ----

/// Every row of `sql` as one text per row, each value with its SQLite type (reals in shortest
/// round-trip form): equal texts are equal rows, byte for byte.
std::vector<std::string> dump(Database& db, const std::string& sql) {
  Statement s = db.prepare(sql);
  std::vector<std::string> out;
  while (s.step()) {
    std::string line;
    for (const SqlValue& v : s.values()) {
      if (std::holds_alternative<std::monostate>(v)) {
        line += "|NULL";
      } else if (const auto* i = std::get_if<std::int64_t>(&v)) {
        line += fmt::format("|i{}", *i);
      } else if (const auto* d = std::get_if<double>(&v)) {
        line += fmt::format("|r{}", *d);
      } else {
        line += "|t" + std::get<std::string>(v);
      }
    }
    out.push_back(line);
  }
  return out;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

/// Runs fit quietly; returns its stdout.
std::string fit_quietly(const FitOptions& o) {
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  const int code = run_fit(o);
  std::string out = testing::internal::GetCapturedStdout();
  testing::internal::GetCapturedStderr();
  EXPECT_EQ(code, 0);
  return out;
}

TEST_F(FitTest, JsonIsOneObjectWithBothTablesAndTheSettings) {
  FitOptions o;
  o.db = path_;
  o.eps = {0.5, 0.1};
  o.bootstrap = 20;
  o.seed = 11;
  o.format = "json";
  const std::string out = fit_quietly(o);
  nlohmann::json doc;
  ASSERT_NO_THROW(doc = nlohmann::json::parse(out)) << out.substr(0, 2000);  // one document
  ASSERT_TRUE(doc.is_object());
  EXPECT_EQ(doc.size(), 2u);
  ASSERT_TRUE(doc.contains("critical_fractions") && doc["critical_fractions"].is_array());
  ASSERT_TRUE(doc.contains("fits") && doc["fits"].is_array());
  ResultsStore store(path_, Database::Mode::kReadOnly);
  EXPECT_EQ(doc["critical_fractions"].size(),
            static_cast<std::size_t>(scalar(store.db(), "SELECT count(*) FROM critical_fractions")));
  EXPECT_EQ(doc["fits"].size(),
            static_cast<std::size_t>(scalar(store.db(), "SELECT count(*) FROM fits")));
  ASSERT_FALSE(doc["fits"].empty());
  const std::string created = doc["fits"][0]["created"];
  EXPECT_FALSE(created.empty());
  for (const auto& r : doc["critical_fractions"]) {
    EXPECT_EQ(r["bootstrap"], 20);
    EXPECT_EQ(r["seed"], 11);
    EXPECT_EQ(r["count"], "sampled");
    EXPECT_EQ(r["method"], "isotonic+seed_bootstrap");
    EXPECT_EQ(r["created"], created);
  }
  for (const auto& r : doc["fits"]) {
    EXPECT_EQ(r["eps"], "0.5,0.1");
    EXPECT_EQ(r["bootstrap"], 20);
    EXPECT_EQ(r["seed"], 11);
    EXPECT_EQ(r["count"], "sampled");
    EXPECT_EQ(r["method"], "ols_log+wild_cluster_bootstrap_t");
  }
  // --table keeps one key.
  o.table = "fits";
  const nlohmann::json only = nlohmann::json::parse(fit_quietly(o));
  EXPECT_EQ(only.size(), 1u);
  EXPECT_TRUE(only.contains("fits"));
}

TEST_F(FitTest, CsvIsOneTableWithOneHeaderOrOneFilePerTable) {
  FitOptions o;
  o.db = path_;
  o.eps = {0.5, 0.1};
  o.bootstrap = 20;
  o.format = "csv";
  EXPECT_THROW(run_fit(o), InputError);  // which table? refused before anything is computed
  o.table = "fits";
  std::vector<std::string> lines = lines_of(fit_quietly(o));
  ASSERT_FALSE(lines.empty());
  const std::string header = lines[0];
  EXPECT_EQ(header.rfind("sweep,stratum,law,parameter,", 0), 0u) << header;
  EXPECT_EQ(std::count(lines.begin(), lines.end(), header), 1);
  EXPECT_EQ(std::count_if(lines.begin(), lines.end(),
                          [](const std::string& l) { return l.rfind("sweep,", 0) == 0; }),
            1);
  std::size_t fits_rows = 0, critical_rows = 0;
  {
    ResultsStore store(path_, Database::Mode::kReadOnly);
    fits_rows = static_cast<std::size_t>(scalar(store.db(), "SELECT count(*) FROM fits"));
    critical_rows =
        static_cast<std::size_t>(scalar(store.db(), "SELECT count(*) FROM critical_fractions"));
  }
  EXPECT_EQ(lines.size(), 1 + fits_rows);

  const std::filesystem::path dir = path_ + ".csv";
  o.table.clear();
  o.out_dir = dir.string();
  EXPECT_TRUE(fit_quietly(o).empty());  // nothing on stdout
  for (const auto& [name, rows] : {std::pair<std::string, std::size_t>{"critical_fractions",
                                                                       critical_rows},
                                   {"fits", fits_rows}}) {
    std::ifstream in(dir / (name + ".csv"));
    std::stringstream text;
    text << in.rdbuf();
    const std::vector<std::string> file = lines_of(text.str());
    ASSERT_FALSE(file.empty()) << name;
    EXPECT_EQ(file.size(), 1 + rows) << name;
    EXPECT_EQ(std::count_if(file.begin(), file.end(),
                            [](const std::string& l) { return l.rfind("sweep,", 0) == 0; }),
              1)
        << name;
  }
  std::filesystem::remove_all(dir);
  o.format = "json";
  EXPECT_THROW(run_fit(o), InputError);  // --out-dir writes CSV only
}

TEST_F(FitTest, APartialRefitReplacesOnlyTheRowsItRecomputes) {
  FitOptions o;
  o.db = path_;
  o.bootstrap = 20;  // the default five eps
  fit_quietly(o);
  const char* kCritical = "SELECT rowid, * FROM critical_fractions ORDER BY rowid";
  const char* kFits = "SELECT * FROM fits ORDER BY id";
  std::vector<std::string> critical_before, fits_before;
  std::string first_created;
  {
    ResultsStore store(path_, Database::Mode::kReadOnly);
    critical_before = dump(store.db(), kCritical);
    fits_before = dump(store.db(), kFits);
    Statement s = store.db().prepare("SELECT DISTINCT created FROM fits");
    ASSERT_TRUE(s.step());
    first_created = s.text(0);
    EXPECT_EQ(scalar(store.db(), "SELECT count(DISTINCT eps) FROM fits WHERE eps = "
                                 "'0.5,0.2,0.1,0.05,0.01'"),
              1);
  }
  ASSERT_EQ(critical_before.size(), 15u * 5u);
  ASSERT_FALSE(fits_before.empty());

  // Other eps, other settings: the default fit's rows of eps 0.2, 0.05, 0.01 and its laws stay
  // byte for byte; the rows of 0.5 and 0.1 are replaced by rows with the new settings.
  o.eps = {0.1, 0.5};
  o.bootstrap = 30;
  o.seed = 7;
  fit_quietly(o);
  ResultsStore store(path_, Database::Mode::kReadOnly);
  const std::vector<std::string> critical_after = dump(store.db(), kCritical);
  const std::set<std::string> after(critical_after.begin(), critical_after.end());
  std::vector<std::string> kept;  // rows of the first fit still there, byte for byte
  for (const std::string& row : critical_before) {
    if (after.count(row) != 0) kept.push_back(row);
  }
  // Exactly the rows of the other three eps survive unchanged; those of 0.5 and 0.1 are
  // replaced, not added to.
  EXPECT_EQ(kept, dump(store.db(), "SELECT rowid, * FROM critical_fractions WHERE eps IN (0.2, "
                                   "0.05, 0.01) ORDER BY rowid"));
  EXPECT_EQ(kept.size(), 15u * 3u);
  EXPECT_EQ(critical_after.size(), 15u * 5u);
  EXPECT_EQ(scalar(store.db(), "SELECT count(*) FROM critical_fractions WHERE eps IN (0.5, 0.1) "
                               "AND bootstrap = 30 AND seed = 7 AND count_basis = 'sampled' AND "
                               "method = 'isotonic+seed_bootstrap' AND created > '" +
                                   first_created + "'"),
            15 * 2);
  EXPECT_EQ(scalar(store.db(), "SELECT count(*) FROM critical_fractions WHERE eps IN (0.2, 0.05, "
                               "0.01) AND bootstrap = 20 AND seed = 0"),
            15 * 3);
  // The default fit's laws are all still there, unchanged; the new laws carry their eps.
  const std::vector<std::string> fits_after = dump(store.db(), kFits);
  ASSERT_GE(fits_after.size(), fits_before.size());
  EXPECT_EQ(std::vector<std::string>(fits_after.begin(),
                                     fits_after.begin() +
                                         static_cast<std::ptrdiff_t>(fits_before.size())),
            fits_before);
  EXPECT_GT(scalar(store.db(), "SELECT count(*) FROM fits WHERE eps = '0.5,0.1' AND bootstrap = "
                               "30 AND seed = 7"),
            0);
  EXPECT_EQ(scalar(store.db(), "SELECT count(*) FROM fits WHERE eps = '0.5,0.1' AND NOT "
                               "(bootstrap = 30 AND seed = 7)"),
            0);
  // report reads the newest law of each stratum and model: the one over 0.5 and 0.1.
  for (const FitParameterRow& r : read_fits(store.db(), "law")) {
    EXPECT_EQ(r.eps.value_or(""), "0.5,0.1") << r.parameter;
    EXPECT_EQ(r.settings.seed.value_or(-1), 7);
  }
  EXPECT_EQ(read_critical_fractions(store.db(), "law").size(), 15u * 5u);

  // The same eps again (in any order) replace those laws, not the default fit's.
  const double new_laws =
      scalar(store.db(), "SELECT count(*) FROM fits WHERE eps = '0.5,0.1'");
  o.eps = {0.5, 0.1};
  o.bootstrap = 40;
  fit_quietly(o);
  EXPECT_EQ(scalar(store.db(), "SELECT count(*) FROM fits WHERE eps = '0.5,0.1'"), new_laws);
  EXPECT_EQ(scalar(store.db(), "SELECT count(*) FROM fits WHERE eps = '0.5,0.1' AND bootstrap = "
                               "40"),
            new_laws);
  const std::vector<std::string> fits_third = dump(store.db(), kFits);
  EXPECT_EQ(std::vector<std::string>(fits_third.begin(),
                                     fits_third.begin() +
                                         static_cast<std::ptrdiff_t>(fits_before.size())),
            fits_before);

  // The augmented count's rows are rows of their own: the sampled ones stay.
  const std::vector<std::string> sampled_critical = dump(store.db(), kCritical);
  const std::vector<std::string> sampled_fits = dump(store.db(), kFits);
  o.count = "augmented";
  fit_quietly(o);
  EXPECT_EQ(dump(store.db(), "SELECT rowid, * FROM critical_fractions WHERE count_basis = "
                             "'sampled' ORDER BY rowid"),
            sampled_critical);
  EXPECT_EQ(dump(store.db(), "SELECT * FROM fits WHERE count_basis = 'sampled' ORDER BY id"),
            sampled_fits);
  EXPECT_EQ(scalar(store.db(), "SELECT count(*) FROM critical_fractions WHERE count_basis = "
                               "'augmented'"),
            15 * 2);
  EXPECT_GT(scalar(store.db(), "SELECT count(*) FROM fits WHERE count_basis = 'augmented'"), 0);
}

TEST_F(FitTest, AFailedWriteLeavesTheStoredFitsAsTheyWere) {
  FitOptions o;
  o.db = path_;
  o.eps = {0.5, 0.1};
  o.bootstrap = 20;
  fit_quietly(o);
  std::vector<std::string> critical, fits;
  {
    ResultsStore store(path_, Database::Mode::kReadWrite);
    critical = dump(store.db(), "SELECT rowid, * FROM critical_fractions ORDER BY rowid");
    fits = dump(store.db(), "SELECT * FROM fits ORDER BY id");
    // The fits are written after the critical fractions: make the first law row fail.
    store.db().exec(
        "CREATE TRIGGER no_fits BEFORE INSERT ON fits BEGIN SELECT RAISE(ABORT, 'no'); END");
  }
  o.bootstrap = 30;
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  EXPECT_ANY_THROW(run_fit(o));
  testing::internal::GetCapturedStdout();
  testing::internal::GetCapturedStderr();
  ResultsStore store(path_, Database::Mode::kReadOnly);
  EXPECT_EQ(dump(store.db(), "SELECT rowid, * FROM critical_fractions ORDER BY rowid"), critical);
  EXPECT_EQ(dump(store.db(), "SELECT * FROM fits ORDER BY id"), fits);
}

/// `value` at `f` linearly in log f between the points of (fs, vs) around it (ascending fs),
/// held at the ends: the test's own copy of the documented interpolation.
double expected_ratio(const std::vector<double>& fs, const std::vector<double>& vs, double f) {
  if (f <= fs.front()) return vs.front();
  if (f >= fs.back()) return vs.back();
  std::size_t i = 0;
  while (!(fs[i] <= f && f <= fs[i + 1])) ++i;
  const double t = std::log(f / fs[i]) / std::log(fs[i + 1] / fs[i]);
  return vs[i] * (1.0 - t) + vs[i + 1] * t;
}

TEST_F(FitTest, TheAugmentedCountIsTheSampledTimesTheMeasuredGrowthAtFstar) {
  FitOptions o;
  o.db = path_;
  o.eps = {0.5, 0.1};
  o.bootstrap = 50;
  fit_quietly(o);
  o.count = "augmented";
  fit_quietly(o);
  ResultsStore store(path_, Database::Mode::kReadOnly);
  Statement rows = store.db().prepare(
      "SELECT a.group_spec, a.augment, a.group_order, a.eps, a.estimate, a.low, a.high, "
      "a.n_star, a.n_star_low, a.n_star_high, s.estimate, s.n_star, s.n_star_low, "
      "s.n_star_high, a.count_ratio FROM critical_fractions a JOIN critical_fractions s ON "
      "s.cell = a.cell AND s.eps = a.eps AND s.count_basis = 'sampled' WHERE a.count_basis = "
      "'augmented' AND a.estimate IS NOT NULL");
  int checked = 0, augmented_cells = 0;
  while (rows.step()) {
    const std::string group = rows.text(0), augment = rows.text(1);
    const double n2 = std::pow(static_cast<double>(rows.integer(2)), 2);
    const double fstar = rows.real(4);
    EXPECT_DOUBLE_EQ(rows.real(10), fstar);  // one f*, two counts
    EXPECT_DOUBLE_EQ(rows.real(11), fstar * n2);
    // The growth of the training set per grid fraction, as the runs recorded it.
    Statement g = store.db().prepare(
        "SELECT data_fraction, avg(CAST(train_pairs AS REAL) / sampled_pairs) FROM runs WHERE "
        "group_spec = ?1 AND augment = ?2 AND status = 'done' GROUP BY data_fraction ORDER BY "
        "data_fraction");
    g.bind(1, group).bind(2, augment);
    std::vector<double> fs, vs;
    while (g.step()) {
      fs.push_back(g.real(0));
      vs.push_back(g.real(1));
    }
    ASSERT_GE(fs.size(), 2u);
    const double r = expected_ratio(fs, vs, fstar);
    EXPECT_NEAR(rows.real(7), rows.real(11) * r, 1e-9 * rows.real(7)) << group << " " << augment;
    EXPECT_NEAR(rows.real(14), r, 1e-12);
    if (!rows.is_null(5) && rows.real(5) > 0.0) {
      EXPECT_NEAR(rows.real(8), rows.real(12) * expected_ratio(fs, vs, rows.real(5)),
                  1e-9 * rows.real(8));
    }
    if (!rows.is_null(6)) {
      EXPECT_NEAR(rows.real(9), rows.real(13) * expected_ratio(fs, vs, rows.real(6)),
                  1e-9 * rows.real(9));
    }
    if (augment == "none") {
      EXPECT_EQ(rows.real(7), rows.real(11));  // no augmentation: both counts agree exactly
      EXPECT_EQ(r, 1.0);
    } else {
      EXPECT_GT(r, 1.0);
      ++augmented_cells;
    }
    ++checked;
  }
  EXPECT_GE(checked, 15 * 2 - 4);  // a few cells may be censored at one eps
  EXPECT_GT(augmented_cells, 0);
  // Against the augmented count, |H| buys less: gamma falls (the sampled gamma is about 1).
  const double gamma_sampled = scalar(store.db(),
                                      "SELECT estimate FROM fits WHERE model = 'power' AND "
                                      "parameter = 'gamma' AND count_basis = 'sampled'");
  const double gamma_augmented = scalar(store.db(),
                                        "SELECT estimate FROM fits WHERE model = 'power' AND "
                                        "parameter = 'gamma' AND count_basis = 'augmented'");
  EXPECT_LT(gamma_augmented, gamma_sampled - 0.3);
}

TEST_F(FitTest, WithoutAugmentationBothCountsFitTheSameLaw) {
  {
    ResultsStore store(path_, Database::Mode::kReadWrite);
    // fit reads finished runs only: the augmented ones drop out.
    store.db().exec("UPDATE runs SET status = 'failed' WHERE augment != 'none'");
  }
  FitOptions o;
  o.db = path_;
  o.eps = {0.5, 0.2, 0.1};
  o.bootstrap = 30;
  fit_quietly(o);
  o.count = "augmented";
  fit_quietly(o);
  ResultsStore store(path_, Database::Mode::kReadOnly);
  const auto laws = [&](const std::string& basis) {
    return dump(store.db(),
                "SELECT law, model, parameter, estimate, low, high, r2, cells, fstar_share FROM "
                "fits WHERE count_basis = '" + basis + "' ORDER BY id");
  };
  ASSERT_FALSE(laws("sampled").empty());
  EXPECT_EQ(laws("augmented"), laws("sampled"));
  const auto nstar = [&](const std::string& basis) {
    return dump(store.db(),
                "SELECT cell, eps, estimate, n_star, n_star_low, n_star_high, count_ratio FROM "
                "critical_fractions WHERE count_basis = '" + basis + "' ORDER BY cell, eps");
  };
  EXPECT_EQ(nstar("augmented"), nstar("sampled"));
}

TEST(FitSchema, AVersion7FileMigratesWithItsFitsKeptAndMarkedAsTheSampledCount) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("symsweep_fit_v7_" + std::to_string(::getpid()) + ".db"))
                               .string();
  const auto cleanup = [&] {
    for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(path + ext);
  };
  cleanup();
  const char* kOldCritical =
      "SELECT rowid, sweep, cell, group_spec, group_order, augment, augment_order, width, eps, "
      "estimate, low, high, censoring, reason, runs, seeds, created FROM critical_fractions "
      "ORDER BY rowid";
  const char* kOldFits =
      "SELECT id, sweep, law, parameter, estimate, low, high, r2, cells, created, stratum, "
      "model, preferred, fstar_share, warnings FROM fits ORDER BY id";
  std::vector<std::string> critical_v7, fits_v7;
  {
    Database db(path, Database::Mode::kReadWrite);
    create_schema_at(db, 7);  // the DDL of a schema-7 binary
    // What a schema-7 fit wrote: every row of a sweep from one fit, one timestamp.
    db.exec(R"sql(
INSERT INTO critical_fractions (sweep, cell, group_spec, group_order, augment, augment_order,
  width, eps, estimate, low, high, censoring, reason, runs, seeds, created) VALUES
  ('s', 'cyclic:12 none | x', 'cyclic:12', 12, 'none', 1, 16, 0.5, 0.25, 0.2, 0.3, 'none', NULL,
   9, 3, '2026-11-01T00:00:00.000Z'),
  ('s', 'cyclic:12 none | x', 'cyclic:12', 12, 'none', 1, 16, 0.1, 0.4, 0.3, NULL, 'none', NULL,
   9, 3, '2026-11-01T00:00:00.000Z'),
  ('s', 'cyclic:18 none | x', 'cyclic:18', 18, 'none', 1, 16, 0.1, NULL, NULL, NULL, 'right',
   'right-censored', 9, 3, '2026-11-01T00:00:00.000Z');
INSERT INTO fits (sweep, law, parameter, estimate, low, high, r2, cells, created, stratum, model,
  preferred, fstar_share, warnings) VALUES
  ('s', 'N* = C n^alpha', 'C', 2.0, 1.0, 3.0, 0.95, 2, '2026-11-01T00:00:00.000Z', 'x', 'power',
   1, 0.5, NULL),
  ('s', 'N* = C n^alpha', 'alpha', 1.2, 1.0, 1.4, 0.95, 2, '2026-11-01T00:00:00.000Z', 'x',
   'power', 1, 0.5, 'alpha rests on 2 distinct group orders (fewer than 3)');
)sql");
    EXPECT_EQ(scalar(db, "SELECT version FROM schema_version"), 7);
    EXPECT_FALSE(has_column(db, "fits", "count_basis"));
    critical_v7 = dump(db, kOldCritical);
    fits_v7 = dump(db, kOldFits);
    // report reads a schema-7 file unmigrated: N* is f* n^2 then.
    const std::vector<CriticalFractionRow> old = read_critical_fractions(db, "s");
    ASSERT_EQ(old.size(), 3u);
    EXPECT_DOUBLE_EQ(old[0].n_star.value_or(0), 0.25 * 144);
    EXPECT_EQ(read_fits(db, "s").size(), 2u);
  }
  {
    ResultsStore store(path, Database::Mode::kReadWrite);  // migrates
    Database& db = store.db();
    EXPECT_EQ(scalar(db, "SELECT version FROM schema_version"), kSchemaVersion);
    EXPECT_EQ(dump(db, kOldCritical), critical_v7);  // the old values, untouched
    EXPECT_EQ(dump(db, kOldFits), fits_v7);
    EXPECT_EQ(dump(db, "SELECT count_basis, count_ratio, n_star, n_star_low, n_star_high, method, "
                       "bootstrap, seed FROM critical_fractions ORDER BY rowid"),
              (std::vector<std::string>{
                  // f* n n, multiplied in SQL's order
                  fmt::format("|tsampled|r1|r{}|r{}|r{}|NULL|NULL|NULL", 0.25 * 12 * 12,
                              0.2 * 12 * 12, 0.3 * 12 * 12),
                  fmt::format("|tsampled|r1|r{}|r{}|NULL|NULL|NULL|NULL", 0.4 * 12 * 12,
                              0.3 * 12 * 12),
                  "|tsampled|NULL|NULL|NULL|NULL|NULL|NULL|NULL"}));
    // A fit's eps: those of its sweep's critical fractions, as a fit of schema 8 writes them.
    EXPECT_EQ(dump(db, "SELECT count_basis, eps, method, bootstrap, seed FROM fits ORDER BY id"),
              (std::vector<std::string>{"|tsampled|t0.5,0.1|NULL|NULL|NULL",
                                        "|tsampled|t0.5,0.1|NULL|NULL|NULL"}));
    EXPECT_EQ(eps_key({0.1, 0.5, 0.1}), "0.5,0.1");
    EXPECT_EQ(read_fits(db, "s").size(), 2u);
    EXPECT_EQ(read_critical_fractions(db, "s").size(), 3u);
  }
  {
    ResultsStore again(path, Database::Mode::kReadWrite);  // a second open changes nothing
    EXPECT_EQ(scalar(again.db(), "SELECT version FROM schema_version"), kSchemaVersion);
    EXPECT_EQ(dump(again.db(), kOldFits), fits_v7);
  }
  cleanup();
}

}  // namespace
}  // namespace symsweep::sweeps
