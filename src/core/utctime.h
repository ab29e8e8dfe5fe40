/* utctime: UTC timestamps as int64 microseconds since the epoch.
 * Rendering is DRF's: ISO 8601 with 'Z', microseconds written only when non-zero. */
#ifndef SHOPD_CORE_UTCTIME_H
#define SHOPD_CORE_UTCTIME_H

#include <stdint.h>

#include "core/slice.h"

#define UTC_FMT_MAX 40

int64_t utc_now_us(void);
/* "2024-01-15T10:30:00.123456Z" or "2024-01-15T10:30:00Z"; returns length. */
int utc_format(char *out, int64_t us);
/* "YYYY-MM-DD HH:MM:SS" (CSV exports). */
int utc_format_plain(char *out, int64_t us);
/* ISO 8601 datetime: YYYY-MM-DDThh:mm[:ss[.ffffff]][Z|+HH:MM|-HH:MM]; no offset = UTC.
 * Returns 0 or SHOP_EINVAL. */
int utc_parse(struct slice s, int64_t *us);
/* Date YYYY-MM-DD -> days since epoch. Returns 0 or SHOP_EINVAL (also on 2023-02-30). */
int date_parse(struct slice s, int32_t *days);
/* days since epoch -> "YYYY-MM-DD"; returns length (10). */
int date_format(char *out, int32_t days);

#endif
