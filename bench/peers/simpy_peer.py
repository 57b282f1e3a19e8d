#!/usr/bin/python3
"""SimPy peer for bench/peers/run (Debian's python3-simpy ships SimPy 2.3, the
classic API: Process subclasses with `yield hold`).

  simpy_peer.py hold <N> <events>   N processes, each holding Exp(1) forever
  simpy_peer.py mm1 <customers>     M/M/1, lambda = 0.9, mu = 1 (Resource)
Prints: RESULT SimPy <model> <N> <events> <seconds>
"""
import random
import sys
import time

from SimPy.Simulation import (Process, Resource, activate, hold, initialize, now, release,
                              request, simulate, stopSimulation)

rng = random.Random(1)
state = {"count": 0, "warmup": 0, "target": 0, "t0": 0.0, "t1": 0.0}


class Holder(Process):
    def run(self):
        s = state
        while True:
            yield hold, self, rng.expovariate(1.0)
            s["count"] += 1
            if s["count"] == s["warmup"]:
                s["t0"] = time.process_time()
            if s["count"] >= s["target"]:
                s["t1"] = time.process_time()
                stopSimulation()


def run_hold(n, events):
    initialize()
    state.update(count=0, warmup=n, target=n + events)
    for _ in range(n):
        p = Holder()
        activate(p, p.run())
    simulate(until=1e18)
    print("RESULT SimPy hold %d %d %.6f" % (n, events, state["t1"] - state["t0"]))


mm1 = {"wait": 0.0, "served": 0, "events": 0}


class Customer(Process):
    def run(self, server):
        arrival = now()
        yield request, self, server
        mm1["wait"] += now() - arrival
        yield hold, self, rng.expovariate(1.0)
        yield release, self, server
        mm1["served"] += 1
        mm1["events"] += 1  # departure


class Source(Process):
    def run(self, customers, server):
        for _ in range(customers):
            yield hold, self, rng.expovariate(0.9)
            mm1["events"] += 1  # arrival
            c = Customer()
            activate(c, c.run(server))


def run_mm1(customers):
    initialize()
    server = Resource(capacity=1)
    src = Source()
    activate(src, src.run(customers, server))
    t0 = time.process_time()
    simulate(until=1e18)
    s = time.process_time() - t0
    sys.stderr.write("SimPy mm1: mean wait %.3f (closed form 9)\n" % (mm1["wait"] / mm1["served"]))
    print("RESULT SimPy mm1 %d %d %.6f" % (customers, mm1["events"], s))


if __name__ == "__main__":
    if sys.argv[1] == "hold":
        run_hold(int(sys.argv[2]), int(sys.argv[3]))
    else:
        run_mm1(int(sys.argv[2]))
