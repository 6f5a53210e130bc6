#ifndef STOCKADE_CNETTLE_SHIM_H
#define STOCKADE_CNETTLE_SHIM_H
#include <nettle/sha2.h>
#endif
