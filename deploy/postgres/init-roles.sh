#!/bin/sh
# Runs once, when the PostgreSQL container initialises an empty data directory: one role per app,
# each owning its own schema alone (k8s/base/postgres/provision-roles.sql,
# mounted at /leadflow). Passwords come from the environment.
set -eu
for name in GATEWAY INGESTION CONTACTS SCORING METRICS; do
  eval "value=\${${name}_DATABASE_PASSWORD:-}"
  if [ -z "$value" ]; then
    echo "init-roles: ${name}_DATABASE_PASSWORD is not set (see .env.example)" >&2
    exit 1
  fi
done
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v gateway_password="$GATEWAY_DATABASE_PASSWORD" \
  -v ingestion_password="$INGESTION_DATABASE_PASSWORD" \
  -v contacts_password="$CONTACTS_DATABASE_PASSWORD" \
  -v scoring_password="$SCORING_DATABASE_PASSWORD" \
  -v metrics_password="$METRICS_DATABASE_PASSWORD" \
  -f /leadflow/provision-roles.sql
