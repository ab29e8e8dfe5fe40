/* migrations: the embedded table of numbered SQL migrations (generated at build time
 * from src/db/migrations/<dialect>/NNNN_name.sql by scripts/embed_sql.sh). */
#ifndef SHOPD_DB_MIGRATIONS_H
#define SHOPD_DB_MIGRATIONS_H

struct migration {
    const char *dialect;   /* "sqlite" or "postgres" */
    int number;
    const char *name;      /* file name without .sql */
    const char *sql;
};

extern const struct migration migrations[];
extern const unsigned migrations_count;

#endif
