/* libFuzzer target for http/query.c: query_parse, url_decode, the encoders, DRF page
 * links and search terms. Checks, beyond memory safety: decoded text is never longer
 * than its input, and encoding a parsed key/value then parsing it again gives back the
 * same bytes (url_encode_into is the inverse of form decoding). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "http/query.h"
#include "http/response.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_roundtrip(struct arena *a, const struct qparam *q)
{
    struct buf b;
    struct qparam *back;
    size_t n;

    buf_init(&b, (size_t)1 << 20);
    url_encode_into(&b, q->key, q->key_len);
    buf_putc(&b, '=');
    url_encode_into(&b, q->value, q->value_len);
    if (buf_failed(&b) || query_parse(a, b.data, b.len, 4, &back, &n) != 0)
        abort();
    if (n != 1 || back[0].key_len != q->key_len || back[0].value_len != q->value_len ||
        memcmp(back[0].key, q->key, q->key_len) != 0 ||
        memcmp(back[0].value, q->value, q->value_len) != 0)
        abort();
    buf_cleanup(&b);
}

static void check_links(struct arena *a, struct qparam *q, size_t n, const char *text)
{
    static struct config cfg = {.public_base_url = "http://fuzz.example"};
    /* In the arena: req_init registers a cleanup of req->resp.body there. */
    struct request *req = arena_alloc(a, sizeof(*req));
    struct page pg;
    char **terms;
    size_t nterms;

    if (req == NULL || req_init(req, a, &cfg) != 0)
        return;
    req->query = q;
    req->nquery = n;
    req->path = text;
    req->path_len = strlen(text);
    pg = page_from_request(req);
    if (pg.limit < 1 || pg.limit > PAGE_MAX_LIMIT || pg.offset < 0)
        abort();
    if (page_url(req, pg.limit, pg.offset) == NULL)
        abort();
    /* The envelope, with counts around the offset (a clamped one included). */
    for (int64_t delta = -1; delta <= 1; delta++) {
        struct json_w w;
        int64_t count = pg.offset > INT64_MAX - 1 && delta > 0 ? INT64_MAX : pg.offset + delta;
        resp_json_begin(req, 200, &w);
        page_begin(req, &w, pg, count < 0 ? 0 : count);
        page_end(&w);
        if (buf_failed(&req->resp.body))
            abort();
    }
    if (search_terms(a, text, &terms, &nterms) != 0)
        abort();
    for (size_t i = 0; i < nterms; i++)
        if (terms[i][0] == '\0')
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena *a = arena_new(0);
    const char *s = (const char *)data;
    struct qparam *q;
    size_t n, dlen;
    char *text;

    if (a == NULL)
        return 0;
    if (query_parse(a, s, size, 64, &q, &n) == 0) {
        for (size_t i = 0; i < n; i++) {
            if (q[i].key_len + q[i].value_len > size)
                abort();
            check_roundtrip(a, &q[i]);
        }
        text = url_decode(a, s, size, &dlen);
        if (text == NULL || dlen > size)
            abort();
        check_links(a, q, n, text);
    }
    arena_free(a);
    return 0;
}
