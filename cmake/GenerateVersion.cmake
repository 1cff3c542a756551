# Writes util/version.cpp from its template with the project version and the current git
# revision. Run at every build (cmake -P); configure_file leaves the file untouched when
# nothing changed, so only a new revision recompiles it.
# In: CPO_SOURCE_DIR, CPO_PROJECT_VERSION, CPO_TEMPLATE, CPO_OUTPUT.
execute_process(COMMAND git rev-parse --short=7 HEAD WORKING_DIRECTORY ${CPO_SOURCE_DIR}
                OUTPUT_VARIABLE CPO_GIT_REVISION OUTPUT_STRIP_TRAILING_WHITESPACE
                ERROR_QUIET)
if(CPO_GIT_REVISION)
  set(CPO_VERSION_STRING "${CPO_PROJECT_VERSION}+g${CPO_GIT_REVISION}")
else()
  set(CPO_VERSION_STRING "${CPO_PROJECT_VERSION}")
endif()
configure_file(${CPO_TEMPLATE} ${CPO_OUTPUT} @ONLY)
