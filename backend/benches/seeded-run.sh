#!/usr/bin/env bash
# A payout run over the largest project of a seeded market, against the time PostgreSQL's own
# client needs to read the same records, with the server's peak memory (issue 17's targets).
#
#   bash backend/benches/seeded-run.sh            # 1,000 projects, 3M participants, ~30M records
#   SEED_ARGS="--projects 100 --participants 300000 --records 3000000" bash backend/benches/seeded-run.sh
#
# Needs a release build (cargo build --release -p seika), psql and a PostgreSQL at
# PGURL (default postgres://postgres@127.0.0.1:5432). Creates and drops the database seika_seed_bench.
set -euo pipefail
cd "$(dirname "$0")/../.."
PGURL=${PGURL:-postgres://postgres@127.0.0.1:5432}
DB=seika_seed_bench
BIN=target/release/seika
PORT=${PORT:-18089}
[ -x "$BIN" ] || { echo "build first: cargo build --release -p seika" >&2; exit 1; }
psql "$PGURL/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
psql "$PGURL/postgres" -qc "CREATE DATABASE $DB"
trap 'kill "${SERVER:-0}" 2>/dev/null || true; psql "$PGURL/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" || true' EXIT

echo "== seed"
# shellcheck disable=SC2086
/usr/bin/time -f "seed: %e s, peak %M KB" "$BIN" seed --database-url "$PGURL/$DB" ${SEED_ARGS:-} | tail -2
psql "$PGURL/$DB" -qc "VACUUM ANALYZE participant_records"
BATCH=$(psql "$PGURL/$DB" -Atc "SELECT b.id FROM outcome_batches b JOIN projects p ON p.id = b.project_id WHERE p.code = 'seed-000001'")
ROWS=$(psql "$PGURL/$DB" -Atc "SELECT count(*) FROM participant_records WHERE batch_id = $BATCH")
echo "largest project: $ROWS records"

echo "== PostgreSQL's own client reads them (three times, in id order as the server reads them)"
for _ in 1 2 3; do
  /usr/bin/time -f "psql read: %e s" psql "$PGURL/$DB" -qc \
    "\\copy (SELECT participant, outcome, achieved_on, cohort, enrolled_on FROM participant_records WHERE batch_id = $BATCH ORDER BY id) TO '/dev/null'"
done

echo "== the server computes a payout run over them (three times)"
SEIKA_JWT_SECRET="bench-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" SEIKA_LOG=warn \
  "$BIN" serve --database-url "$PGURL/$DB" --addr "127.0.0.1:$PORT" &
SERVER=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/api/v1/health" >/dev/null && break; sleep 0.2; done
RSS_IDLE=$(awk '/VmRSS/ {print $2}' "/proc/$SERVER/status")
TOKEN=$(curl -sf -H 'content-type: application/json' \
  -d '{"email":"staff@seed-city-01.example","password":"seed-password-2026"}' \
  "http://127.0.0.1:$PORT/api/v1/auth/login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
PROJECT=$(psql "$PGURL/$DB" -Atc "SELECT id FROM projects WHERE code = 'seed-000001'")
for _ in 1 2 3; do
  curl -sf -o /tmp/seeded-run.json -w "payout run: %{time_total} s (HTTP %{http_code})\n" \
    -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -d '{}' \
    "http://127.0.0.1:$PORT/api/v1/projects/$PROJECT/payout-runs"
done
python3 -c 'import json; s=json.load(open("/tmp/seeded-run.json"))["statement"]; print("total", s["total"], "of", s["max_total_payment"], "·", len(s["distribution"]["investors"]), "investors")'
echo "server memory: idle ${RSS_IDLE} KB, peak $(awk '/VmHWM/ {print $2}' "/proc/$SERVER/status") KB"

sleep 3
echo "server memory at rest 3 s after the runs: $(awk '/VmRSS/ {print $2}' "/proc/$SERVER/status") KB"
