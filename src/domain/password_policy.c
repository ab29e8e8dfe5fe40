/* password_policy: see password_policy.h. Django's validators, on UTF-8, counted and
 * compared in code points as Python does.
 *
 * Similarity follows Django >= 4.0 exactly: the password and each attribute are
 * lower-cased, each attribute is split on \W+ (empty parts included) and also taken
 * whole, a part is skipped when exceeds_maximum_length_ratio() says it cannot reach the
 * threshold, and difflib.SequenceMatcher.quick_ratio() >= 0.7 decides. (Django never calls
 * ratio(), only quick_ratio(): the multiset intersection 2*M/(len(a)+len(b)).) The first
 * similar attribute gives the one message, as Django raises on the first.
 *
 * Unicode: Python's str.lower() is towlower() in glibc's C.UTF-8 locale, which agrees
 * with Python 3.11 on every code point except U+0130 (handled here: "i" + U+0307); the
 * context-dependent final sigma (word-final capital sigma -> U+03C2) is not applied, and
 * without a C.UTF-8 locale lower-casing falls back to ASCII. \w (for the split) and
 * str.isdigit() use Python's own tables (pyunicode_tables.h), because glibc's classes
 * differ on vowel signs, combining marks and superscripts. str.strip() is core/utf8's. */
#include "domain/password_policy.h"

#include <locale.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "core/err.h"
#include "core/utf8.h"
#include "domain/pyunicode_tables.h"

#define STACK_CPS 512 /* attribute code points handled without malloc */

/* ---- Python's str methods on code points ------------------------------------------- */

static locale_t utf8_locale;
static pthread_once_t locale_once = PTHREAD_ONCE_INIT;

static void locale_init(void)
{
    utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

/* The C.UTF-8 locale, opened once for the process; (locale_t)0 when unavailable. */
static locale_t ctype(void)
{
    pthread_once(&locale_once, locale_init);
    return utf8_locale;
}

/* Python's str.lower() of one code point: one code point, or two for U+0130. */
static size_t py_lower(uint32_t cp, uint32_t out[2])
{
    out[0] = cp;
    if (cp < 0x80) {
        if (cp >= 'A' && cp <= 'Z')
            out[0] = cp + ('a' - 'A');
        return 1;
    }
    if (cp == 0x130) {
        out[0] = 'i';
        out[1] = 0x307;
        return 2;
    }
    locale_t l = ctype();
    if (l)
        out[0] = (uint32_t)towlower_l((wint_t)cp, l);
    return 1;
}

static bool in_ranges(uint32_t cp, const struct cp_range *r, size_t n)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cp < r[mid].lo)
            hi = mid;
        else if (cp > r[mid].hi)
            lo = mid + 1;
        else
            return true;
    }
    return false;
}

/* Python's re \w for str patterns: str.isalnum() or underscore. */
static bool is_word(uint32_t cp)
{
    if (cp < 0x80)
        return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9') ||
               cp == '_';
    return in_ranges(cp, word_ranges, sizeof(word_ranges) / sizeof(word_ranges[0]));
}

/* Python's str.isdigit() for one code point. */
static bool is_digit(uint32_t cp)
{
    return in_ranges(cp, digit_ranges, sizeof(digit_ranges) / sizeof(digit_ranges[0]));
}

/* Next code point of s from *i; an invalid byte is one U+FFFD, as Python's "replace". */
static uint32_t next_cp(struct slice s, size_t *i)
{
    uint32_t cp;
    int n = utf8_decode(s.ptr + *i, s.len - *i, &cp);
    if (n < 0) {
        *i += 1;
        return 0xFFFD;
    }
    *i += (size_t)n;
    return cp;
}

/* Iterates over the code points of s.lower() (fold) or of s. */
struct cp_iter {
    struct slice s;
    size_t i;
    bool fold;
    size_t npend;
    uint32_t pend[2];
};

static bool iter_next(struct cp_iter *it, uint32_t *cp)
{
    if (it->npend == 0) {
        if (it->i >= it->s.len)
            return false;
        uint32_t c = next_cp(it->s, &it->i);
        if (it->fold) {
            it->npend = py_lower(c, it->pend);
        } else {
            it->pend[0] = c;
            it->npend = 1;
        }
        /* Emit in order: store reversed so the tail pops first-in first. */
        if (it->npend == 2) {
            uint32_t t = it->pend[0];
            it->pend[0] = it->pend[1];
            it->pend[1] = t;
        }
    }
    *cp = it->pend[--it->npend];
    return true;
}

static size_t cp_count(struct slice s, bool fold)
{
    struct cp_iter it = {.s = s, .fold = fold};
    uint32_t cp;
    size_t n = 0;
    while (iter_next(&it, &cp))
        n++;
    return n;
}

/* ---- difflib quick_ratio ----------------------------------------------------------- */

struct cp_count {
    uint32_t cp;
    uint32_t avail;
};

static int cmp_count(const void *a, const void *b)
{
    uint32_t x = ((const struct cp_count *)a)->cp, y = ((const struct cp_count *)b)->cp;
    return (x > y) - (x < y);
}

/* The multiset of b[0..n) as sorted distinct (code point, count) pairs in out[0..n). */
static size_t count_cps(const uint32_t *b, size_t n, struct cp_count *out)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        out[i] = (struct cp_count){b[i], 1};
    qsort(out, n, sizeof(*out), cmp_count);
    for (size_t i = 0; i < n; i++) {
        if (m > 0 && out[m - 1].cp == out[i].cp)
            out[m - 1].avail++;
        else
            out[m++] = out[i];
    }
    return m;
}

/* quick_ratio's loop: code points of a matched against what is left of b's multiset. */
static size_t quick_matches(struct cp_iter a, struct cp_count *b, size_t nb)
{
    size_t matches = 0;
    uint32_t cp;
    while (iter_next(&a, &cp)) {
        struct cp_count key = {cp, 0};
        struct cp_count *hit = nb ? bsearch(&key, b, nb, sizeof(*b), cmp_count) : NULL;
        if (hit && hit->avail > 0) {
            hit->avail--;
            matches++;
        }
    }
    return matches;
}

/* difflib's _calculate_ratio. */
static double ratio(size_t matches, size_t length)
{
    return length ? 2.0 * (double)matches / (double)length : 1.0;
}

/* Code point buffers: on the stack for ordinary attributes, else on the heap. */
struct scratch {
    uint32_t *cps;
    struct cp_count *counts;
    void *heap;
    uint32_t cps_stack[STACK_CPS];
    struct cp_count counts_stack[STACK_CPS];
};

static int scratch_init(struct scratch *s, size_t n)
{
    s->heap = NULL;
    s->cps = s->cps_stack;
    s->counts = s->counts_stack;
    if (n <= STACK_CPS)
        return 0;
    s->heap = malloc(n * (sizeof(uint32_t) + sizeof(struct cp_count)));
    if (!s->heap)
        return SHOP_ENOMEM;
    s->cps = s->heap;
    s->counts = (struct cp_count *)(s->cps + n);
    return 0;
}

/* Code points of s (lower-cased when fold) into out, which holds s.len: every code point
 * takes at least one byte and lowers to at most two, and the only one that lowers to two
 * (U+0130) takes two. */
static size_t load_cps(struct slice s, bool fold, uint32_t *out)
{
    struct cp_iter it = {.s = s, .fold = fold};
    size_t n = 0;
    while (iter_next(&it, &out[n]))
        n++;
    return n;
}

double pwpolicy_quick_ratio(struct slice a, struct slice b)
{
    struct scratch s;
    if (scratch_init(&s, b.len) != 0)
        return 0.0;
    size_t nb = load_cps(b, false, s.cps);
    size_t m = count_cps(s.cps, nb, s.counts);
    struct cp_iter it = {.s = a};
    double r = ratio(quick_matches(it, s.counts, m), cp_count(a, false) + nb);
    free(s.heap);
    return r;
}

/* ---- UserAttributeSimilarityValidator ---------------------------------------------- */

/* Django's exceeds_maximum_length_ratio(): such a part cannot reach max_similarity. */
static bool exceeds_length_ratio(size_t pwd_len, size_t value_len)
{
    return pwd_len >= 10 * value_len &&
           (double)value_len < PWPOLICY_MAX_SIMILARITY / 2 * (double)pwd_len;
}

static bool part_similar(struct slice pw, size_t pwd_len, const uint32_t *part, size_t n,
                         struct cp_count *tmp)
{
    if (exceeds_length_ratio(pwd_len, n))
        return false;
    size_t m = count_cps(part, n, tmp);
    struct cp_iter it = {.s = pw, .fold = true};
    return ratio(quick_matches(it, tmp, m), pwd_len + n) >= PWPOLICY_MAX_SIMILARITY;
}

/* re.split(r"\W+", value) + [value], on the lower-cased value v[0..n). */
static bool value_similar(struct slice pw, size_t pwd_len, const uint32_t *v, size_t n,
                          struct cp_count *tmp)
{
    size_t start = 0, i = 0;
    while (i < n) {
        if (is_word(v[i])) {
            i++;
            continue;
        }
        if (part_similar(pw, pwd_len, v + start, i - start, tmp))
            return true;
        while (i < n && !is_word(v[i]))
            i++;
        start = i;
    }
    return part_similar(pw, pwd_len, v + start, n - start, tmp) ||
           part_similar(pw, pwd_len, v, n, tmp);
}

static int attribute_similar(struct slice pw, size_t pwd_len, struct slice value, bool *similar)
{
    struct scratch s;
    *similar = false;
    if (scratch_init(&s, value.len) != 0)
        return SHOP_ENOMEM;
    size_t n = load_cps(value, true, s.cps);
    *similar = value_similar(pw, pwd_len, s.cps, n, s.counts);
    free(s.heap);
    return 0;
}

int pwpolicy_similar(struct slice password, const struct pwpolicy_user *user, const char **msg)
{
    *msg = NULL;
    if (!user)
        return 0;
    const struct {
        struct slice value;
        const char *msg;
    } attrs[] = {
        {user->first_name, PWPOLICY_MSG_SIMILAR_FIRST_NAME},
        {user->last_name, PWPOLICY_MSG_SIMILAR_LAST_NAME},
        {user->email, PWPOLICY_MSG_SIMILAR_EMAIL},
    };
    size_t pwd_len = cp_count(password, true);
    for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
        bool similar;
        if (attrs[i].value.len == 0)
            continue;
        int rc = attribute_similar(password, pwd_len, attrs[i].value, &similar);
        if (rc)
            return rc;
        if (similar) {
            *msg = attrs[i].msg;
            return 0;
        }
    }
    return 0;
}

/* ---- the other three validators ---------------------------------------------------- */

bool pwpolicy_too_short(struct slice password)
{
    return utf8_count_chars(password.ptr, password.len) < PWPOLICY_MIN_LENGTH;
}

bool pwpolicy_is_numeric(struct slice password)
{
    size_t i = 0;
    if (password.len == 0)
        return false;
    while (i < password.len)
        if (!is_digit(next_cp(password, &i)))
            return false;
    return true;
}

static size_t utf8_put(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

const char *pwpolicy_common_password(size_t i)
{
    return pwpolicy_common_blob + pwpolicy_common_offsets[i];
}

/* bsearch over the offsets: elem is one of them. */
static int cmp_entry(const void *key, const void *elem)
{
    return strcmp(key, pwpolicy_common_blob + *(const uint32_t *)elem);
}

/* password.lower().strip() in the list. Entries are short, so anything longer than the
 * longest one is not common and is never copied in full. */
bool pwpolicy_is_common(struct slice password)
{
    char buf[64];
    size_t n = 0;
    uint32_t cp;
    struct cp_iter it = {.s = utf8_trim(password), .fold = true};
    size_t max = pwpolicy_common_passwords_maxlen;
    if (max >= sizeof(buf) - 4)
        max = sizeof(buf) - 5;
    while (iter_next(&it, &cp)) {
        if (cp == 0 || n > max)
            return false; /* no entry holds a NUL or is this long */
        n += utf8_put(cp, buf + n);
    }
    buf[n] = '\0';
    return n > 0 && n <= max &&
           bsearch(buf, pwpolicy_common_offsets, pwpolicy_common_passwords_count,
                   sizeof(pwpolicy_common_offsets[0]), cmp_entry) != NULL;
}

int pwpolicy_check(struct slice password, const struct pwpolicy_user *user,
                   struct pwpolicy_result *r)
{
    const char *similar = NULL;
    memset(r, 0, sizeof(*r));
    int rc = pwpolicy_similar(password, user, &similar);
    if (rc)
        return rc;
    if (similar)
        r->msgs[r->n++] = similar;
    if (pwpolicy_too_short(password))
        r->msgs[r->n++] = PWPOLICY_MSG_TOO_SHORT;
    if (pwpolicy_is_common(password))
        r->msgs[r->n++] = PWPOLICY_MSG_TOO_COMMON;
    if (pwpolicy_is_numeric(password))
        r->msgs[r->n++] = PWPOLICY_MSG_NUMERIC;
    return r->n ? SHOP_EINVAL : 0;
}
