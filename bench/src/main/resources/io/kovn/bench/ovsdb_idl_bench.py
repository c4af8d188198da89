"""Baseline B of `kovn bench ovsdb`: logical switch ports written through OVS's own Python IDL.

Connects to an NB ovsdb-server, registers the NB schema, waits for the initial contents, then adds --ports
logical switch ports to the existing switch --switch, --batch ports per transaction (1: one per port), each
transaction committed with txn.commit_block(). Ports, addresses and external_ids are the same as the Java side
writes (io.kovn.bench.BenchPorts). Prints one JSON object with the timings on stdout; the timed part starts at
the first transaction and excludes interpreter start-up, connection and initial download (reported apart).
Exit codes: 0 ok, 1 transaction or connection failure, 3 the ovs module cannot be imported.
"""
import argparse
import importlib.util
import json
import sys
import time

try:
    import ovs.db.idl
    import ovs.poller
    import ovs.version
except ImportError as e:
    print(json.dumps({"error": "cannot import ovs.db.idl (python3-openvswitch): %s" % e}))
    sys.exit(3)


def port(i):
    a, b = divmod(i, 254)
    b += 1
    return ("p%d" % i, "0a:58:0a:f4:%02x:%02x 10.244.%d.%d" % (a, b, a, b), "ns/pod-%d" % i)


def fail(msg):
    print(msg, file=sys.stderr)
    sys.exit(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--remote", required=True)
    ap.add_argument("--schema", required=True)
    ap.add_argument("--switch", required=True)
    ap.add_argument("--ports", type=int, required=True)
    ap.add_argument("--batch", type=int, required=True)
    args = ap.parse_args()

    t0 = time.perf_counter()
    helper = ovs.db.idl.SchemaHelper(location=args.schema)
    helper.register_all()
    idl = ovs.db.idl.Idl(args.remote, helper)
    deadline = time.monotonic() + 30
    while not idl.has_ever_connected():
        idl.run()
        if idl.has_ever_connected():
            break
        if time.monotonic() > deadline:
            fail("no initial contents from %s within 30 s" % args.remote)
        poller = ovs.poller.Poller()
        idl.wait(poller)
        poller.timer_wait(100)
        poller.block()
    switches = [r for r in idl.tables["Logical_Switch"].rows.values() if r.name == args.switch]
    if len(switches) != 1:
        fail("expected one logical switch %s, found %d" % (args.switch, len(switches)))
    sw = switches[0]
    lsp_table = idl.tables["Logical_Switch_Port"]
    connect_ms = (time.perf_counter() - t0) * 1000

    transactions = 0
    t1 = time.perf_counter()
    for start in range(0, args.ports, args.batch):
        txn = ovs.db.idl.Transaction(idl)
        for i in range(start, min(args.ports, start + args.batch)):
            name, address, owner = port(i)
            lsp = txn.insert(lsp_table)
            lsp.name = name
            lsp.addresses = [address]
            lsp.external_ids = {"k8s.ovn.org/owner": owner, "kovn": "bench"}
            sw.addvalue("ports", lsp)
        status = txn.commit_block()
        if status != ovs.db.idl.Transaction.SUCCESS:
            fail("transaction %d: %s: %s" % (transactions, ovs.db.idl.Transaction.status_to_string(status),
                                             txn.get_error()))
        transactions += 1
    total_ms = (time.perf_counter() - t1) * 1000
    idl.close()

    # the C JSON parser, much faster than the pure-Python fallback
    c_json = importlib.util.find_spec("ovs._json") is not None
    print(json.dumps({
        "ports": args.ports,
        "batch": args.batch,
        "transactions": transactions,
        "connect_ms": connect_ms,
        "total_ms": total_ms,
        "python": sys.version.split()[0],
        "ovs_python": ovs.version.VERSION,
        "c_json": c_json,
    }))


if __name__ == "__main__":
    main()
