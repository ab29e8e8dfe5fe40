/* utctime: microseconds since the epoch <-> ISO 8601 text, always UTC.
 * Calendar math is Howard Hinnant's days_from_civil / civil_from_days (proleptic
 * Gregorian, exact for any int32 day count), so nothing depends on timegm, TZ or the
 * locale. Parsing accepts years 0001..9999, the range of Python's datetime. */
#include "core/utctime.h"

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "core/err.h"

#define US_PER_SEC 1000000LL
#define US_PER_DAY (86400LL * US_PER_SEC)

struct civil {
    int64_t y;
    int m, d;
};

static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static struct civil civil_from_days(int64_t z)
{
    struct civil c;
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    c.d = (int)(doy - (153 * mp + 2) / 5 + 1);
    c.m = (int)(mp < 10 ? mp + 3 : mp - 9);
    c.y = yoe + era * 400 + (c.m <= 2);
    return c;
}

static bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m)
{
    static const int dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int64_t utc_now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * US_PER_SEC + ts.tv_nsec / 1000;
}

/* Splits us into a civil date and the microseconds of that day. */
static struct civil split_us(int64_t us, int64_t *day_us)
{
    int64_t days = floor_div(us, US_PER_DAY);
    *day_us = us - days * US_PER_DAY;
    return civil_from_days(days);
}

int utc_format(char *out, int64_t us)
{
    int64_t t;
    struct civil c = split_us(us, &t);
    int64_t sec = t / US_PER_SEC, frac = t % US_PER_SEC;
    int n = snprintf(out, UTC_FMT_MAX, "%04lld-%02d-%02dT%02d:%02d:%02d", (long long)c.y, c.m,
                     c.d, (int)(sec / 3600), (int)(sec / 60 % 60), (int)(sec % 60));

    if (frac != 0)
        n += snprintf(out + n, (size_t)(UTC_FMT_MAX - n), ".%06lld", (long long)frac);
    n += snprintf(out + n, (size_t)(UTC_FMT_MAX - n), "Z");
    return n;
}

int utc_format_plain(char *out, int64_t us)
{
    int64_t t;
    struct civil c = split_us(us, &t);
    int64_t sec = t / US_PER_SEC;

    return snprintf(out, UTC_FMT_MAX, "%04lld-%02d-%02d %02d:%02d:%02d", (long long)c.y, c.m,
                    c.d, (int)(sec / 3600), (int)(sec / 60 % 60), (int)(sec % 60));
}

int date_format(char *out, int32_t days)
{
    struct civil c = civil_from_days(days);

    return snprintf(out, UTC_FMT_MAX, "%04lld-%02d-%02d", (long long)c.y, c.m, c.d);
}

/* Reads exactly n ASCII digits at s->ptr[*i]; -1 when any is not a digit. */
static int digits(struct slice s, size_t *i, int n)
{
    int v = 0;

    if (*i + (size_t)n > s.len)
        return -1;
    for (int k = 0; k < n; k++) {
        char c = s.ptr[*i + (size_t)k];
        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (c - '0');
    }
    *i += (size_t)n;
    return v;
}

static bool expect(struct slice s, size_t *i, char c)
{
    if (*i >= s.len || s.ptr[*i] != c)
        return false;
    (*i)++;
    return true;
}

/* YYYY-MM-DD at *i; validated (year 1..9999, real day of month). */
static int parse_ymd(struct slice s, size_t *i, int64_t *days)
{
    int y = digits(s, i, 4);
    if (y < 1 || !expect(s, i, '-'))
        return SHOP_EINVAL;
    int m = digits(s, i, 2);
    if (m < 1 || m > 12 || !expect(s, i, '-'))
        return SHOP_EINVAL;
    int d = digits(s, i, 2);
    if (d < 1 || d > days_in_month(y, m))
        return SHOP_EINVAL;
    *days = days_from_civil(y, m, d);
    return 0;
}

int date_parse(struct slice s, int32_t *days)
{
    size_t i = 0;
    int64_t d;

    if (!s.ptr || parse_ymd(s, &i, &d) != 0 || i != s.len)
        return SHOP_EINVAL;
    *days = (int32_t)d;
    return 0;
}

/* [.f{1,6}] after the seconds: microseconds. */
static int parse_fraction(struct slice s, size_t *i, int64_t *us)
{
    int n = 0;
    int64_t v = 0;

    *us = 0;
    if (!expect(s, i, '.'))
        return 0;
    while (*i < s.len && s.ptr[*i] >= '0' && s.ptr[*i] <= '9' && n < 6) {
        v = v * 10 + (s.ptr[*i] - '0');
        (*i)++;
        n++;
    }
    if (n == 0)
        return SHOP_EINVAL;
    for (; n < 6; n++)
        v *= 10;
    *us = v;
    return 0;
}

/* hh:mm[:ss[.ffffff]] -> microseconds into the day. */
static int parse_hms(struct slice s, size_t *i, int64_t *us)
{
    int h = digits(s, i, 2);
    if (h < 0 || h > 23 || !expect(s, i, ':'))
        return SHOP_EINVAL;
    int mi = digits(s, i, 2);
    if (mi < 0 || mi > 59)
        return SHOP_EINVAL;
    int sec = 0;
    int64_t frac = 0;
    if (expect(s, i, ':')) {
        sec = digits(s, i, 2);
        if (sec < 0 || sec > 59 || parse_fraction(s, i, &frac) != 0)
            return SHOP_EINVAL;
    }
    *us = ((int64_t)h * 3600 + mi * 60 + sec) * US_PER_SEC + frac;
    return 0;
}

/* [Z|+HH:MM|-HH:MM|+HHMM|-HHMM|+HH|-HH] -> offset in seconds east of UTC. */
static int parse_offset(struct slice s, size_t *i, int64_t *off)
{
    *off = 0;
    if (*i == s.len || expect(s, i, 'Z'))
        return 0;
    char sign = s.ptr[*i];
    if (sign != '+' && sign != '-')
        return SHOP_EINVAL;
    (*i)++;
    int h = digits(s, i, 2), m = 0;
    if (h < 0 || h > 23)
        return SHOP_EINVAL;
    if (*i < s.len) {
        expect(s, i, ':');
        m = digits(s, i, 2);
        if (m < 0 || m > 59)
            return SHOP_EINVAL;
    }
    *off = ((int64_t)h * 3600 + m * 60) * (sign == '-' ? -1 : 1);
    return 0;
}

int utc_parse(struct slice s, int64_t *us)
{
    size_t i = 0;
    int64_t days, tod, off;

    if (!s.ptr || parse_ymd(s, &i, &days) != 0)
        return SHOP_EINVAL;
    if (!expect(s, &i, 'T') && !expect(s, &i, ' '))
        return SHOP_EINVAL;
    if (parse_hms(s, &i, &tod) != 0 || parse_offset(s, &i, &off) != 0 || i != s.len)
        return SHOP_EINVAL;
    *us = days * US_PER_DAY + tod - off * US_PER_SEC;
    return 0;
}
