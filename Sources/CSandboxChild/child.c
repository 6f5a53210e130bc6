#include "stockade_child.h"
