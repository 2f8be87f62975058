/* serve_routes.h -- kb-serve's route table (serve_routes.c). */
#ifndef KB_SERVE_ROUTES_H
#define KB_SERVE_ROUTES_H

#include "routes.h"

extern const struct route serve_routes[];
extern const size_t serve_nroutes;

#endif
