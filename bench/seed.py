#!/usr/bin/env python3
"""Bulk seed data for the benchmarks, as SQL that both SQLite and PostgreSQL accept.

Creating customers one by one through `partner-center admin create-customer` costs an argon2 hash
per login, so the benchmark inserts rows directly, with the columns of
crates/app/migrations/*/0001_foundation.sql and what `customers::create_associated` writes:
a `customers` row, an active resale `associations` row (root_id = the partner's root, type 2)
and the customer's zero-balance `customer_cash` ledger account. No console login or access key
is made for these customers (the benchmarks call the API as the partner).

    python3 bench/seed.py --partner P --root R --count 10000 --ids-out ids.txt > seed.sql
"""

import argparse
import os
import sys
import time


def main(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--partner", required=True, help="partner id the customers are associated with")
    p.add_argument("--root", required=True, help="the partner's root_id (= partner id for a distributor)")
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--ids-out", required=True, help="file to write the customer ids to, one a line")
    p.add_argument("--batch", type=int, default=500, help="rows per INSERT statement")
    a = p.parse_args(argv)

    now_ms = int(time.time() * 1000)
    tag = os.urandom(3).hex()
    ids = []
    out = sys.stdout
    out.write("BEGIN;\n")
    for start in range(0, a.count, a.batch):
        n = min(a.batch, a.count - start)
        cust, assoc, acct = [], [], []
        for i in range(start, start + n):
            cid = "c" + os.urandom(15).hex()
            ids.append(cid)
            # associated over the last ~10,000 minutes, newest first by index: the list's ORDER BY
            # associated_at DESC has real work to do.
            at = now_ms - i * 60_000
            name = "bench-%s-%06d" % (tag, i)
            cust.append("('%s','%s','Bench customer %d',%d)" % (cid, name, i, at))
            assoc.append("('as%s','%s','%s','%s',2,%s,%d)" % (
                os.urandom(12).hex(), a.root, a.partner, cid, "'vip'" if i % 10 == 0 else "NULL", at))
            acct.append("('customer_cash:%s',NULL,'customer_cash','%s',0,0,%d)" % (cid, cid, at))
        out.write("INSERT INTO customers (id, domain_name, real_name, created_at) VALUES\n%s;\n" % ",\n".join(cust))
        out.write("INSERT INTO associations (id, root_id, partner_id, customer_id, association_type, label, "
                  "associated_at) VALUES\n%s;\n" % ",\n".join(assoc))
        out.write("INSERT INTO ledger_accounts (id, root_id, kind, owner_id, balance, lower_limit, created_at) "
                  "VALUES\n%s;\n" % ",\n".join(acct))
    out.write("COMMIT;\n")
    with open(a.ids_out, "w") as f:
        f.write("\n".join(ids) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
