#ifndef STOCKADE_CYAML_SHIM_H
#define STOCKADE_CYAML_SHIM_H
#include <yaml.h>
#endif
