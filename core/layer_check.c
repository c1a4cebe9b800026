/* layer_check.c: the main of the layer_check_<layer> executables (core/CMakeLists.txt). It
 * calls nothing: the executable exists to be linked, every object of one layer against the
 * layers below it only, so that a call from a layer upward fails the build. */
int main(void) { return 0; }
