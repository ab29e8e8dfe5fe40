/* err: the one error convention. 0 is success; failures are negative shop_err values.
 * Handlers turn them into HTTP answers through one function (http/response.h). */
#ifndef SHOPD_CORE_ERR_H
#define SHOPD_CORE_ERR_H

enum shop_err {
    SHOP_OK = 0,
    SHOP_ENOMEM = -1,     /* allocation failed or a buffer hit its maximum */
    SHOP_EINVAL = -2,     /* input rejected */
    SHOP_ENOTFOUND = -3,  /* no such object */
    SHOP_ECONFLICT = -4,  /* unique constraint or concurrent change */
    SHOP_EDB = -5,        /* database error */
    SHOP_ETOOBIG = -6,    /* over a size limit */
    SHOP_EBUSY = -7,      /* database locked / serialization failure: retry */
    SHOP_EIO = -8,        /* file or network I/O */
};

const char *shop_strerror(int err);

#endif
