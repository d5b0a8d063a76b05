#!/usr/bin/env python3
"""The whole pipeline, as `alphapulse up` runs it, for a bounded time.

    pipeline_test.py ALPHAPULSE_BIN [test name ...]

Each test writes a deployment file into a temporary directory (relays on Unix
sockets there, the collectors replaying data/samples fast), runs `alphapulse up`
and reads the services' stats lines ("stats <name> key=value ...") from the
logs `up` keeps:
  - end_to_end: every stage receives and produces, and the counts agree across
    stages (every order answered by exactly one final report, every fill and
    status received, no execution frame missing, every signal received);
  - restart, relay_restart: a service (risk) or a relay (execution) killed
    with SIGKILL is restarted by `up` and the pipeline carries on (orders
    answered again after the restart);
  - bad_config: a services section with an unknown key is refused, naming it;
  - cross_venue: crossed quotes of one market on three venues become
    ArbitrageOpportunities, orders on both legs and fills at the quoted prices;
  - service_gaps: a service says so when frames it should have received are
    missing (a JSON line, its stats counters, a summary at exit).
"""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.argv[1]).resolve()
SERVICE_TIMEOUT = 60

CONFIG = """\
alphapulse:
  runtime_dir: {runtime}
  market_data: {{transport: unix_socket}}
  signals: {{transport: unix_socket}}
  execution: {{transport: unix_socket}}
  system: {{transport: unix_socket}}
  services:
    - name: execution_sim
      command: [alphapulse-execution-sim, --config, "{{config}}", --name, execution_sim, --stats-interval, "0.5"]
    - name: risk
      command: [alphapulse-risk, --config, "{{config}}", --name, risk, --stats-interval, "0.5",
                --max-orders-per-second, "50"]
      restart: always
      backoff_ms: 100
    - name: arbitrage
      command: [alphapulse-arbitrage, --config, "{{config}}", --name, arbitrage, --stats-interval, "0.5"]
      restart: always
      backoff_ms: 100
    - name: collector_cex
      command: [alphapulse-collector, --config, "{{config}}", --name, collector_cex, --stats-interval, "0.5",
                --venues, "coinbase,kraken,binance", --speed, "20", --loop]
    - name: collector_dex
      command: [alphapulse-collector, --config, "{{config}}", --name, collector_dex, --stats-interval, "0.5",
                --venues, "sushiswap,uniswap", --speed, "3000", --max-gap-ms, "120000", --loop]
"""


def write_config(tmp: Path) -> Path:
    runtime = tmp / "rt"
    runtime.mkdir()
    path = tmp / "deployment.yaml"
    path.write_text(CONFIG.format(runtime=runtime))
    return path


def stats_lines(log: Path, name: str):
    """Every stats line of `name` in its log, as dicts, oldest first."""
    out = []
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith("stats " + name + " "):
            out.append({k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)})
    return out


def final_stats(run_dir: Path, name: str) -> dict:
    lines = stats_lines(run_dir / "logs" / (name + ".log"), name)
    assert lines, f"{name} wrote no stats line; log:\n" + (run_dir / "logs" / (name + ".log")).read_text()
    return lines[-1]


def check(condition: bool, what: str, failures: list):
    print(("ok   " if condition else "FAIL ") + what)
    if not condition:
        failures.append(what)


def no_leftovers(tmp: Path, failures: list):
    """Nothing `up` started may outlive it."""
    leftover = subprocess.run(["pgrep", "-f", str(tmp)], capture_output=True, text=True).stdout.split()
    check(not leftover, "no process of the run is left behind", failures)
    for pid in leftover:
        os.kill(int(pid), signal.SIGKILL)


def test_end_to_end(tmp: Path) -> list:
    failures = []
    config = write_config(tmp)
    run_dir = tmp / "run"
    started = time.monotonic()
    result = subprocess.run([str(BIN), "up", "--config", str(config), "--duration", "12", "--run-dir", str(run_dir)],
                            capture_output=True, text=True, timeout=SERVICE_TIMEOUT)
    print(result.stdout[-3000:])
    check(result.returncode == 0, f"alphapulse up exits 0 (got {result.returncode}: {result.stderr[-500:]})", failures)
    check(time.monotonic() - started < 40, "the run is bounded by --duration", failures)
    summary = [line for line in result.stdout.splitlines() if line.startswith("  ") and ": started " in line]
    check(len(summary) == 9 and all("restarts 0, last exit 0" in line for line in summary),
          "every process ran once and exited 0 when stopped", failures)
    no_leftovers(tmp, failures)

    cex, dex = final_stats(run_dir, "collector_cex"), final_stats(run_dir, "collector_dex")
    arb, risk, sim = final_stats(run_dir, "arbitrage"), final_stats(run_dir, "risk"), final_stats(run_dir, "execution_sim")
    for name, stats in (("collector_cex", cex), ("collector_dex", dex), ("arbitrage", arb), ("risk", risk),
                        ("execution_sim", sim)):
        print(f"     {name}: {stats}")
    # Every stage receives and produces.
    check(cex["trades"] > 0 and cex["quotes"] > 0 and cex["books"] > 0, "collector_cex replays trades, quotes, books",
          failures)
    check(dex["discoveries"] > 0 and dex["trades"] > 0, "collector_dex replays pool discoveries and swaps", failures)
    check(arb["market_frames"] > 0 and arb["pools_known"] > 0, "arbitrage receives market data and pools", failures)
    check(arb["defi_signals"] > 0, "arbitrage emits DeFiSignals", failures)
    check(risk["signals_received"] > 0 and risk["orders_sent"] > 0, "risk receives signals and sends orders", failures)
    check(sim["orders_received"] > 0 and sim["fills_sent"] > 0, "execution_sim receives orders and fills", failures)
    check(risk["fills_received"] > 0 and risk["position_updates"] > 0, "risk receives fills, publishes positions",
          failures)
    # Counts agree across stages.
    check(risk["signals_received"] == arb["defi_signals"] + arb["arbitrage_opportunities"],
          "every signal the strategy sent reached risk", failures)
    check(sim["orders_received"] == risk["orders_sent"], "orders requested = orders received by the engine", failures)
    check(sim["reports_sent"] == sim["orders_received"], "the engine answers each order with one final report",
          failures)
    check(risk["reports_received"] == sim["reports_sent"] and risk["orders_answered"] == risk["orders_sent"],
          "orders requested = orders answered (every report reached risk)", failures)
    check(risk["fills_received"] == sim["fills_sent"], "every fill reached risk", failures)
    check(risk["statuses_received"] == sim["statuses_sent"], "every order status reached risk", failures)
    check(risk["position_updates"] == risk["fills_received"], "one PositionUpdate per fill", failures)
    check(risk["execution_gaps"] == 0 and sim["execution_gaps"] == 0, "no execution frame missing (sequence gaps)",
          failures)
    check(all(s["failed"] == 0 for s in (cex, dex, arb, risk, sim)), "no publish failed", failures)
    check(risk["open_orders"] == 0, "no order left open", failures)
    return failures


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out waiting for " + what)


def test_restart(tmp: Path, victim: str = "risk") -> list:
    """Kills `victim` (a service or a relay) with SIGKILL once orders flow."""
    failures = []
    config = write_config(tmp)
    run_dir = tmp / "run"
    up = subprocess.Popen([str(BIN), "up", "--config", str(config), "--duration", "40", "--run-dir", str(run_dir)],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        risk_log = run_dir / "logs" / "risk.log"
        answered = lambda: risk_log.exists() and any(s.get("orders_answered", 0) > 0 for s in stats_lines(risk_log, "risk"))
        wait_for(answered, 25, "risk's first answered orders")
        pid_file = run_dir / (victim + ".pid")
        victim_pid = int(pid_file.read_text())
        answered_before = max(s.get("orders_answered", 0) for s in stats_lines(risk_log, "risk"))
        marker = risk_log.stat().st_size
        os.kill(victim_pid, signal.SIGKILL)
        print(f"     killed {victim} (pid {victim_pid}) with SIGKILL")
        restarted = wait_for(lambda: pid_file.exists() and pid_file.read_text().strip() and
                             int(pid_file.read_text()) != victim_pid and int(pid_file.read_text()), 10,
                             f"{victim} restarted")
        check(restarted != victim_pid, f"up restarted {victim} (new pid {restarted})", failures)

        def answered_after_restart():
            # Stats lines written after the kill: a restarted risk counts from 0 again.
            after = risk_log.read_bytes()[marker:].decode(errors="replace")
            counts = [int(m) for m in re.findall(r"orders_answered=(\d+)", after)]
            restarted_risk = victim == "risk"
            return counts and (max(counts) > 0 if restarted_risk else max(counts) > answered_before + 2)
        wait_for(answered_after_restart, 20, "orders answered after the restart")
        check(True, "the pipeline recovers: orders are sent and answered again", failures)
    except AssertionError as e:
        check(False, str(e), failures)
    finally:
        up.send_signal(signal.SIGINT)  # as Ctrl-C would: ordered shutdown
        try:
            out, _ = up.communicate(timeout=40)
        except subprocess.TimeoutExpired:
            up.kill()
            out, _ = up.communicate()
        print(out[-2500:])
    check(up.returncode == 0, f"up stops cleanly on SIGINT (exit {up.returncode})", failures)
    check(re.search(victim + r": started 2x, restarts 1", out) is not None,
          f"the summary shows one restart of {victim}", failures)
    check("restarted " + victim in out, "up reported the restart", failures)
    no_leftovers(tmp, failures)
    return failures


def test_bad_config(tmp: Path) -> list:
    failures = []
    config = write_config(tmp)
    text = config.read_text().replace("      restart: always\n      backoff_ms: 100\n    - name: arbitrage",
                                      "      restart: always\n      backof_ms: 100\n    - name: arbitrage", 1)
    config.write_text(text)
    result = subprocess.run([str(BIN), "up", "--config", str(config), "--duration", "1"], capture_output=True,
                            text=True, timeout=SERVICE_TIMEOUT)
    check(result.returncode == 2, f"a bad services section is a usage error (exit {result.returncode})", failures)
    check("unknown key 'backof_ms'" in result.stderr and "deployment.yaml:14" in result.stderr,
          f"the error names the key and its line: {result.stderr.strip()}", failures)
    no_leftovers(tmp, failures)
    return failures


def test_cross_venue(tmp: Path) -> list:
    """The cross-venue path, which the samples cannot exercise (no asset pair
    in them trades on two venues): quotes of one market under three venues'
    spellings, crossed, go through the strategy, risk and the engine."""
    failures = []
    config = write_config(tmp)
    text = config.read_text()
    config.write_text(text[:text.index("    - name: collector_cex")])  # no collectors: only these quotes
    run_dir = tmp / "run"
    up = subprocess.Popen([str(BIN), "up", "--config", str(config), "--duration", "30", "--run-dir", str(run_dir)],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    runtime = tmp / "rt"
    try:
        arb_log = run_dir / "logs" / "arbitrage.log"
        wait_for(lambda: arb_log.exists() and stats_lines(arb_log, "arbitrage"), 20, "the strategy to run")
        fills = subprocess.Popen([str(BIN), "tap", str(runtime / "execution.sock"), "--types", "Fill", "--count", "4"],
                                 stdout=subprocess.PIPE, text=True)
        time.sleep(0.5)
        quotes = [("CoinbaseCollector", "Coinbase Pair BTC-USD", 65000, 65010),
                  ("KrakenCollector", "Kraken Pair XBT/USD", 65200, 65210),    # bid above Coinbase's ask: 29 bps
                  ("BinanceCollector", "Binance Pair BTCUSDT", 64900, 64950)]  # ask below Kraken's bid: 38 bps
        lines = "".join(json.dumps({"header": {"message_type_name": "Quote", "source_name": source, "sequence": 1,
                                               "timestamp": time.time_ns()},
                                    "instrument_id": {"text": instrument}, "bid_price": bid * 10**8,
                                    "ask_price": ask * 10**8, "bid_size": 10**8, "ask_size": 10**8}) + "\n"
                        for source, instrument, bid, ask in quotes)
        subprocess.run([str(BIN), "publish", str(runtime / "market_data.sock")], input=lines, text=True, check=True)
        try:
            out, _ = fills.communicate(timeout=15)
        finally:
            fills.kill()
            fills.wait()
        got = sorted((f["instrument_id"]["text"], f["side_name"], f["price"] // 10**8)
                     for f in map(json.loads, out.splitlines()))
        expected = sorted([("Coinbase Pair BTC-USD", "Buy", 65010), ("Kraken Pair XBT/USD", "Sell", 65200),
                           ("Binance Pair BTCUSDT", "Buy", 64950), ("Kraken Pair XBT/USD", "Sell", 65200)])
        check(got == expected, f"both opportunities filled on both legs at the quoted prices: {got}", failures)
    except (AssertionError, subprocess.TimeoutExpired) as e:
        check(False, str(e), failures)
    finally:
        up.send_signal(signal.SIGTERM)
        out, _ = up.communicate(timeout=40)
    arb, risk, sim = final_stats(run_dir, "arbitrage"), final_stats(run_dir, "risk"), final_stats(run_dir, "execution_sim")
    print(f"     arbitrage: {arb}\n     risk: {risk}\n     execution_sim: {sim}")
    check(arb["arbitrage_opportunities"] == 2, "two ArbitrageOpportunities (Coinbase->Kraken, Binance->Kraken)",
          failures)
    check(risk["orders_sent"] == 4 and risk["orders_answered"] == 4, "four orders, all answered", failures)
    check(up.returncode == 0, f"up stops cleanly on SIGTERM (exit {up.returncode})", failures)
    no_leftovers(tmp, failures)
    return failures


def test_service_gaps(tmp: Path) -> list:
    """A service reports a gap in what it receives: a JSON line on stderr (its log), its stats line's
    gaps_<domain>/missed_<domain>, and the summary at exit. Orders 1-3, then 10 from the same source
    (two connections, published --no-ack: an acknowledged producer is checked against the relay's
    journal per source, which would refuse 10; unacknowledged ones per connection, which passes both)."""
    failures = []
    config = write_config(tmp)
    text = config.read_text()
    config.write_text(text[:text.index("    - name: risk")])  # the engine alone
    run_dir = tmp / "run"
    up = subprocess.Popen([str(BIN), "up", "--config", str(config), "--duration", "30", "--run-dir", str(run_dir)],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    log = run_dir / "logs" / "execution_sim.log"
    sock = str(tmp / "rt" / "execution.sock")
    order = lambda seq: json.dumps({"header": {"message_type_name": "OrderRequest", "source_name": "RiskManager",
                                               "sequence": seq}, "client_order_id": seq,
                                    "instrument_id": "NASDAQ Stock AAPL", "side": "Buy", "order_type": "Limit",
                                    "price": 15000000000, "quantity": 100000000}) + "\n"
    try:
        wait_for(lambda: log.exists() and stats_lines(log, "execution_sim"), 20, "the engine to run")
        for lines in ("".join(order(s) for s in (1, 2, 3)), order(10)):
            result = subprocess.run([str(BIN), "publish", "--no-ack", sock], input=lines, capture_output=True,
                                    text=True, timeout=20)
            check(result.returncode == 0, f"publish to the engine exits 0 ({result.stderr.strip()})", failures)
        gap = '{"gap":{"domain":"execution","source":61,"source_name":"RiskManager","first_missing":4,"missing":6}}'
        wait_for(lambda: gap in log.read_text(), 10, "the gap line in the engine's log")
    except (AssertionError, subprocess.TimeoutExpired) as e:
        check(False, str(e), failures)
    finally:
        up.send_signal(signal.SIGTERM)
        up.communicate(timeout=40)
    sim = final_stats(run_dir, "execution_sim")
    print(f"     execution_sim: {sim}")
    check(sim.get("gaps_execution") == 1 and sim.get("missed_execution") == 6,
          "its stats line counts the gap (gaps_execution=1 missed_execution=6)", failures)
    check('{"gap_summary":{"domain":"execution","gaps":1,"missing":6}}' in log.read_text(),
          "its log ends with the gap summary", failures)
    no_leftovers(tmp, failures)
    return failures


TESTS = {"end_to_end": test_end_to_end, "restart": test_restart, "bad_config": test_bad_config,
         "relay_restart": lambda tmp: test_restart(tmp, "relay-execution"),
         "cross_venue": test_cross_venue, "service_gaps": test_service_gaps}


def main() -> int:
    names = sys.argv[2:] or list(TESTS)
    failed = []
    for name in names:
        print(f"== {name}")
        with tempfile.TemporaryDirectory(prefix="ap-pipeline-") as tmp:
            failures = TESTS[name](Path(tmp))
        if failures:
            failed.append(name)
    print("FAILED: " + ", ".join(failed) if failed else "all passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
