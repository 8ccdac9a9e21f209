/* Placeholder. */
#include "xb_check.h"
int main(void) { return 0; }
