#ifndef STOCKADE_CSECCOMP_SHIM_H
#define STOCKADE_CSECCOMP_SHIM_H
#include <seccomp.h>
#endif
