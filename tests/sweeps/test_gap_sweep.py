#!/usr/bin/env python3
"""Groups from GAP in a sweep (docs/groups.md), through the real binary, mpirun and GAP:

- a group axis by structure ({smallgroups = [8], abelian = false}) expands to exactly the
  non-abelian groups `symsweep groups --order 8 --json` lists, and `run --check` shows them;
- the sweep trains them (master + 2 teams) and keeps GAP's answers in the database;
- with GAP gone and every cache deleted, the same database extends the sweep (new runs on the
  same groups, trained by ranks that never saw GAP) with the same config hashes for the old
  runs; `merge` carries the answers to another file; `eval` and `compose` of a saved network
  (DB:RUN) build its gap: group from the database's answers, while the same network as a plain
  .npy (no database to answer) fails for want of GAP; merging a file whose answer to a question
  differs warns, naming the file and the question, and keeps the answer already held;
- bad group axes and expressions exit 2 with one line naming them.

    test_gap_sweep.py SYMSWEEP_BIN [--mpiexec MPIEXEC]
"""
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweeplib import Checks, environment, mpi, mpi_arguments, quick, rows, workdir, write  # noqa: E402,E501
import json  # noqa: E402
import sqlite3  # noqa: E402

SPEC = """[sweep]
name = "order8"
seeds = 1
save_particles = true
[grid]
group = [{{smallgroups = [8], abelian = false}}, "gap:SymmetricGroup(3)"]
width = [32]
data_fraction = [{fractions}]
[train]
optimizer = "adamw"
lr = 3e-3
steps = 30
log_every = 15
"""


def main():
    a = mpi_arguments()
    check = Checks()
    with workdir() as tmp:
        cache = os.path.join(tmp, "cache")
        env = environment(SYMSWEEP_GAP_CACHE=cache)
        code, out, err = quick([a.binary, "groups", "--order", "8", "--json"], env)
        check(code == 0, f"groups --order 8: exit {code}: {err.strip()}")
        listed = json.loads(out) if code == 0 else []
        nonabelian = {g["spec"] for g in listed if not g["abelian"]}
        check(len(listed) > len(nonabelian) > 0, f"groups --order 8 listed {listed}")

        spec = write(tmp, "s.toml", SPEC.format(fractions="0.5"))
        code, out, err = quick([a.binary, "run", spec, "--check"], env)
        check(code == 0 and f"{len(nonabelian) + 1} runs" in out,
              f"run --check: exit {code}: {out.strip()} {err.strip()}")
        shown = [line for line in out.splitlines() if "order 8:" in line]
        check(len(shown) == 1 and all(s.split("(")[1].split(",")[1].rstrip(")") + " " in
                                      shown[0] for s in nonabelian),
              f"run --check shows the expansion: {shown}")

        db = os.path.join(tmp, "g.db")
        code, out, err = quick(mpi(3, a.binary, "run", spec, "--db", db), env, timeout=300)
        check(code == 0, f"run: exit {code}: {err.strip()[-400:]}")
        done = rows(db, "SELECT group_spec, config_hash FROM runs WHERE status = 'done'")
        groups = {g for g, _ in done}
        check(groups == nonabelian | {"gap:SymmetricGroup(3)"}, f"runs on {sorted(groups)}")
        hashed = rows(db, "SELECT count(*) FROM runs WHERE config_json LIKE '%\"group_table\":%'")
        check(hashed[0][0] == len(done), "the config hash covers GAP's table")
        answers = dict(rows(db, "SELECT question, answer FROM gap_answers"))
        check(set(answers) >= {"order 8", "group gap:SymmetricGroup(3)"} |
              {"group " + g for g in nonabelian}, f"gap_answers holds {sorted(answers)}")
        check(os.path.isdir(db + ".groups"), "no cache beside the database")

        # No GAP, no caches: the database alone answers, on every rank.
        shutil.rmtree(cache, ignore_errors=True)
        shutil.rmtree(db + ".groups", ignore_errors=True)
        bare = dict(env, SYMSWEEP_GAP="/nonexistent/gap")
        spec2 = write(tmp, "s2.toml", SPEC.format(fractions="0.5, 0.75"))
        code, out, err = quick(mpi(3, a.binary, "run", spec2, "--db", db, "--extend"), bare,
                               timeout=300)
        check(code == 0, f"run --extend without GAP: exit {code}: {err.strip()[-400:]}")
        after = rows(db, "SELECT group_spec, config_hash FROM runs WHERE status = 'done'")
        check(len(after) == 2 * len(done) and set(done) <= set(after),
              f"without GAP: {len(after)} done runs (before {len(done)}), old hashes kept")

        # eval and compose of DB:RUN networks: the group from the database, not from GAP.
        shutil.rmtree(cache, ignore_errors=True)
        shutil.rmtree(db + ".groups", ignore_errors=True)
        saved = rows(db, "SELECT id, particles FROM runs WHERE status = 'done' AND "
                         "group_spec = 'gap:SymmetricGroup(3)' AND particles IS NOT NULL")
        check(len(saved) >= 2, f"saved S_3 networks: {saved}")
        if len(saved) >= 2:
            (r1, file1), (r2, _) = saved[0], saved[1]
            code, out, err = quick([a.binary, "eval", "--group", "gap:SymmetricGroup(3)",
                                    "--particles", f"{db}:{r1}", "--json"], bare)
            ok = code == 0 and json.loads(out)["group"] == "gap:SymmetricGroup(3)"
            check(ok, f"eval DB:RUN without GAP: exit {code}: {err.strip()[-300:]}")
            out_npy = os.path.join(tmp, "sum.npy")
            code, out, err = quick([a.binary, "compose", "sum", f"{db}:{r1}", f"{db}:{r2}",
                                    "--group", "gap:SymmetricGroup(3)", "--out", out_npy], bare)
            check(code == 0 and os.path.isfile(out_npy),
                  f"compose DB:RUN without GAP: exit {code}: {err.strip()[-300:]}")
            npy = [os.path.join(root, f) for root, _, files in os.walk(tmp) for f in files
                   if f == os.path.basename(file1)]
            check(len(npy) == 1, f"the saved .npy of run {r1}: {npy}")
            if npy:
                code, out, err = quick([a.binary, "eval", "--group", "gap:SymmetricGroup(3)",
                                        "--particles", npy[0]], bare)
                check(code != 0 and "gap:SymmetricGroup(3)" in err and "GAP" in err,
                      f"eval of the plain .npy without GAP must fail: exit {code}: {err.strip()}")

        merged = os.path.join(tmp, "m.db")
        code, out, err = quick([a.binary, "merge", merged, db], bare)
        check(code == 0, f"merge: exit {code}: {err.strip()}")
        if code == 0:
            check(dict(rows(merged, "SELECT question, answer FROM gap_answers")) == answers,
                  "merge carries GAP's answers")
        # Another file with a different answer to one question: merge warns, naming the file
        # and the question, and keeps the answer it already has.
        other = os.path.join(tmp, "other.db")
        shutil.copyfile(db, other)
        con = sqlite3.connect(other)
        con.execute("UPDATE gap_answers SET answer = answer || ' ' WHERE question = 'order 8'")
        con.commit()
        con.close()
        both = os.path.join(tmp, "both.db")
        code, out, err = quick([a.binary, "merge", both, db, other], bare)
        check(code == 0 and f'"{other}" has another answer from GAP to "order 8"' in err,
              f"merge of a contradicting answer: exit {code}: {err.strip()[-300:]}")
        if code == 0:
            kept = dict(rows(both, "SELECT question, answer FROM gap_answers"))
            check(kept.get("order 8") == answers["order 8"], "merge keeps the answer it has")

        for axis, says in [('{smallgroups = [1024]}', "does not cover order 1024"),
                           ('{smallgroups = [8], abelian = "no"}', "expected true or false"),
                           ('{orders = [8]}', "unknown key"),
                           ('["gap:SmallGroup(8,99)"]', "gap:SmallGroup(8,99)"),
                           ('["gap:FreeGroup(2)"]', "not a finite group")]:
            bad = write(tmp, "bad.toml", SPEC.format(fractions="0.5").replace(
                '[{smallgroups = [8], abelian = false}, "gap:SymmetricGroup(3)"]', axis))
            code, out, err = quick([a.binary, "run", bad, "--check"], env)
            check(code == 2 and says in err and err.count("\n") == 1 and "[grid] group" in err,
                  f"{axis}: exit {code}: {err.strip()}")
    check.finish()


if __name__ == "__main__":
    main()
