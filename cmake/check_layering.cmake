# Fails when a file of src/<module>/ includes a header of a module it does not depend on
# (directly or through the modules it depends on): an arrow pointing up a layer.
# Run by the build (target netboot_layering) with
#   -DNETBOOT_SOURCE_DIR=<repo> -DNETBOOT_MODULES=core,config,...
#   -DNETBOOT_LAYER_<module>=<its direct module deps, comma-separated>
# The linker already refuses calls that point up (each module's tests link only the modules
# below it); this catches what it cannot see: inline code and types from headers.
cmake_minimum_required(VERSION 3.25)
string(REPLACE "," ";" modules "${NETBOOT_MODULES}")

function(closure_of module out)
  set(seen)
  set(todo ${module})
  while(todo)
    list(POP_FRONT todo current)
    string(REPLACE "," ";" deps "${NETBOOT_LAYER_${current}}")
    foreach(dep ${deps})
      if(NOT dep IN_LIST seen)
        list(APPEND seen ${dep})
        list(APPEND todo ${dep})
      endif()
    endforeach()
  endwhile()
  set(${out} ${seen} PARENT_SCOPE)
endfunction()

set(violations)
foreach(module ${modules})
  closure_of(${module} allowed)
  list(APPEND allowed ${module})
  file(GLOB_RECURSE files ${NETBOOT_SOURCE_DIR}/src/${module}/*.cpp ${NETBOOT_SOURCE_DIR}/src/${module}/*.hpp)
  foreach(file ${files})
    file(STRINGS ${file} includes REGEX "^[ \t]*#[ \t]*include[ \t]+\"[a-z_]+/")
    foreach(line ${includes})
      string(REGEX MATCH "\"([a-z_]+)/" _ "${line}")
      set(target ${CMAKE_MATCH_1})
      if(target IN_LIST modules AND NOT target IN_LIST allowed)
        file(RELATIVE_PATH relative ${NETBOOT_SOURCE_DIR} ${file})
        string(STRIP "${line}" line)
        list(JOIN allowed " " allowed_text)
        list(APPEND violations "${relative}: ${line} (${module}/ may include only: ${allowed_text})")
      endif()
    endforeach()
  endforeach()
endforeach()

if(violations)
  list(JOIN violations "\n  " text)
  message(FATAL_ERROR "include pointing up a layer (see docs/design.md, \"Layers\"):\n  ${text}")
endif()
