# Warnings for project targets (not for third-party headers), optional -Werror and sanitizers.
function(netboot_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion
                                           -Wshadow -Wnon-virtual-dtor -Wold-style-cast)
  if(NETBOOT_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

if(NETBOOT_SANITIZE)
  add_compile_options(-fsanitize=${NETBOOT_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${NETBOOT_SANITIZE})
endif()
