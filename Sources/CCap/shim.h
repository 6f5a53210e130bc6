#ifndef STOCKADE_CCAP_SHIM_H
#define STOCKADE_CCAP_SHIM_H
#include <sys/capability.h>
#endif
