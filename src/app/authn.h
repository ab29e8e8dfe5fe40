/* authn: request authentication (SimpleJWT's JWTAuthentication). Reads the
 * Authorization header; a first word other than "Bearer" leaves the request anonymous. */
#ifndef SHOPD_APP_AUTHN_H
#define SHOPD_APP_AUTHN_H

#include "http/request.h"

/* Sets req->user for a valid access token of an active customer. Returns 0 (user set,
 * or anonymous), or the 401 status already answered. */
int authn_request(struct request *req);

#endif
