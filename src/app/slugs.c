/* slugs: see slugs.h. */
#include "app/slugs.h"

#include <string.h>

#include "core/slug.h"

#define SLUG_TRIES 1000

const char *slug_unique(struct arena *a, struct db *db, const char *text, slug_taken_fn taken,
                        int64_t self_id)
{
    char *base = slugify(a, text, strlen(text));
    if (!base || !taken(db, base, self_id))
        return base;
    for (int i = 2; i < SLUG_TRIES; i++) {
        char *cand = arena_printf(a, "%s-%d", base, i);
        if (!cand || !taken(db, cand, self_id))
            return cand;
    }
    return NULL;
}
