#!/usr/bin/env python3
"""object_cycles.py LIB.a...: fail when the objects of the host's layer libraries call each
other in a circle. The layer rule (core/CMakeLists.txt) already makes an upward call between
layers fail to link; this checks the files inside each layer too: object A depends on object B
when A leaves undefined a symbol that B defines (read with `nm`). Any strongly connected
component of more than one object is a cycle, printed with the symbols that tie it."""
import subprocess
import sys
from collections import defaultdict


def read_objects(libs):
    defined, undefined = {}, defaultdict(set)
    for lib in libs:
        out = subprocess.run(["nm", "-A", "--defined-only", lib], capture_output=True,
                             text=True, check=True).stdout
        for line in out.splitlines():  # "lib.a:obj.o:ADDR T name"
            parts = line.split()
            if len(parts) == 3 and parts[1] in ("T", "D", "R", "B"):
                defined[parts[2]] = parts[0].split(":")[1]
        out = subprocess.run(["nm", "-A", "--undefined-only", lib], capture_output=True,
                             text=True, check=True).stdout
        for line in out.splitlines():  # "lib.a:obj.o: U name"
            parts = line.split()
            if len(parts) == 3 and parts[1] == "U":
                undefined[parts[0].split(":")[1]].add(parts[2])
    edges = defaultdict(dict)
    for obj, syms in undefined.items():
        for s in syms:
            to = defined.get(s)
            if to and to != obj:
                edges[obj].setdefault(to, []).append(s)
    return edges


def components(edges):
    """Tarjan's strongly connected components."""
    index, low, stack, on, out = {}, {}, [], set(), []
    nodes = set(edges) | {b for a in edges for b in edges[a]}

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            out.append(comp)

    sys.setrecursionlimit(10000)
    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return [c for c in out if len(c) > 1]


def main():
    edges = read_objects(sys.argv[1:])
    cycles = components(edges)
    for c in cycles:
        print("cycle between objects: " + ", ".join(sorted(c)))
        for a in sorted(c):
            for b, syms in sorted(edges[a].items()):
                if b in c:
                    print(f"  {a} -> {b}: {', '.join(sorted(syms)[:6])}")
    if cycles:
        sys.exit(1)
    print(f"no cycle among {len(set(edges) | {b for a in edges for b in edges[a]})} objects")


main()
