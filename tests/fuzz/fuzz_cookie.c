/* libFuzzer target for http/cookies.c. The input is "<name>\n<Cookie header>"; the
 * value found must lie inside the header text, and must not contain ';'. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/cookies.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const char *hdr, size_t len, const char *name)
{
    struct slice v;

    if (cookie_find(hdr, len, name, &v) != 0)
        return;
    if (v.ptr < hdr || v.ptr + v.len > hdr + len || memchr(v.ptr, ';', v.len) != NULL)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *nl = memchr(data, '\n', size);
    size_t name_len = nl ? (size_t)(nl - (const char *)data) : 0;
    char name[64];
    /* The header in its own allocation, so ASan sees any read past its end. */
    size_t hlen = nl ? size - name_len - 1 : size;
    char *hdr = malloc(hlen ? hlen : 1);

    if (hdr == NULL)
        return 0;
    memcpy(hdr, nl ? nl + 1 : (const char *)data, hlen);
    if (name_len < sizeof(name)) {
        memcpy(name, data, name_len);
        name[name_len] = '\0';
        check(hdr, hlen, name);
    }
    check(hdr, hlen, "sessionid");
    free(hdr);
    return 0;
}
