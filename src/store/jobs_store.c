/* jobs_store: see jobs_store.h. */
#include "store/jobs_store.h"

int jobs_count_pending(struct db *db, int64_t *n)
{
    return db_fetch_int(db_prepare(db, "SELECT COUNT(*) FROM jobs WHERE state = 'pending'"), n);
}
