#include "stockade_sys.h"
