# The layers of forumgate, lowest first. A library may include and link only the libraries
# below it that it names here (and, through them, what they stand on):
#
#   base  <-  pg, web, mappings  <-  store  <-  importer, redirector, report
#   base  <-  rehearsal
#   cli, tests and scripts/bench may use everything; only they use importer or rehearsal.
#
# Used twice: at configure time, on the targets' link libraries (forumgate_check_link_layering,
# called by the top-level CMakeLists.txt), and by the layering_check test, on every #include of
# the tree (cmake -P cmake/check_layering.cmake).

set(FORUMGATE_LAYER_base "")
set(FORUMGATE_LAYER_pg base)
set(FORUMGATE_LAYER_web base)
set(FORUMGATE_LAYER_mappings base)
set(FORUMGATE_LAYER_store base pg mappings)
set(FORUMGATE_LAYER_importer base pg web mappings store)
set(FORUMGATE_LAYER_redirector base pg mappings store)
set(FORUMGATE_LAYER_report base pg web mappings store)
set(FORUMGATE_LAYER_rehearsal base)
set(FORUMGATE_LAYERS base pg web mappings store importer redirector report rehearsal)

# forumgate_layer_may_use(LAYER USED RESULT): sets RESULT to TRUE if library folder LAYER may
# include or link library folder USED (itself, or one its line above names), else FALSE.
function(forumgate_layer_may_use layer used result)
  if(used STREQUAL layer OR used IN_LIST FORUMGATE_LAYER_${layer})
    set(${result} TRUE PARENT_SCOPE)
  else()
    set(${result} FALSE PARENT_SCOPE)
  endif()
endfunction()

# forumgate_check_link_layering(): fails the configure step when a library of the tree links a
# library of the tree its layer may not use. Library forumgate_X (or forumgate_X_suffix) is in
# folder X.
function(forumgate_check_link_layering)
  foreach(layer IN LISTS FORUMGATE_LAYERS)
    if(NOT EXISTS ${PROJECT_SOURCE_DIR}/${layer}/CMakeLists.txt)
      continue()
    endif()
    get_property(targets DIRECTORY ${PROJECT_SOURCE_DIR}/${layer} PROPERTY BUILDSYSTEM_TARGETS)
    foreach(target IN LISTS targets)
      get_target_property(type ${target} TYPE)
      if(NOT type MATCHES "LIBRARY")
        continue()
      endif()
      get_target_property(links ${target} LINK_LIBRARIES)
      if(NOT links)
        continue()
      endif()
      foreach(link IN LISTS links)
        if(NOT link MATCHES "^forumgate_([a-z]+)" OR link STREQUAL "forumgate_warnings")
          continue()
        endif()
        forumgate_layer_may_use(${layer} ${CMAKE_MATCH_1} allowed)
        if(NOT allowed)
          message(FATAL_ERROR "layering: ${target} (${layer}/) links ${link}, but ${layer}/ may use only: "
                              "${FORUMGATE_LAYER_${layer}} (cmake/layering.cmake)")
        endif()
      endforeach()
    endforeach()
  endforeach()
endfunction()
