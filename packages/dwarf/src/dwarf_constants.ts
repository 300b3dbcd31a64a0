/**
 * DWARF constants for debugging information entries, by their specification names (DWARF 5,
 * section 7, plus the GNU extensions gcc emits), with name tables that print unknown values
 * (`DW_TAG_0x5000`) instead of failing.
 *
 * @example
 * ```ts
 * import { DW_TAG_inlined_subroutine, tagName } from "@corestack/dwarf/constants";
 * tagName(DW_TAG_inlined_subroutine); // "DW_TAG_inlined_subroutine"
 * ```
 * @module
 */

export const DW_TAG_array_type = 0x01;
export const DW_TAG_class_type = 0x02;
export const DW_TAG_entry_point = 0x03;
export const DW_TAG_enumeration_type = 0x04;
export const DW_TAG_formal_parameter = 0x05;
export const DW_TAG_imported_declaration = 0x08;
export const DW_TAG_label = 0x0a;
export const DW_TAG_lexical_block = 0x0b;
export const DW_TAG_member = 0x0d;
export const DW_TAG_pointer_type = 0x0f;
export const DW_TAG_reference_type = 0x10;
export const DW_TAG_compile_unit = 0x11;
export const DW_TAG_string_type = 0x12;
export const DW_TAG_structure_type = 0x13;
export const DW_TAG_subroutine_type = 0x15;
export const DW_TAG_typedef = 0x16;
export const DW_TAG_union_type = 0x17;
export const DW_TAG_unspecified_parameters = 0x18;
export const DW_TAG_variant = 0x19;
export const DW_TAG_common_block = 0x1a;
export const DW_TAG_common_inclusion = 0x1b;
export const DW_TAG_inheritance = 0x1c;
export const DW_TAG_inlined_subroutine = 0x1d;
export const DW_TAG_module = 0x1e;
export const DW_TAG_ptr_to_member_type = 0x1f;
export const DW_TAG_set_type = 0x20;
export const DW_TAG_subrange_type = 0x21;
export const DW_TAG_with_stmt = 0x22;
export const DW_TAG_access_declaration = 0x23;
export const DW_TAG_base_type = 0x24;
export const DW_TAG_catch_block = 0x25;
export const DW_TAG_const_type = 0x26;
export const DW_TAG_constant = 0x27;
export const DW_TAG_enumerator = 0x28;
export const DW_TAG_file_type = 0x29;
export const DW_TAG_friend = 0x2a;
export const DW_TAG_namelist = 0x2b;
export const DW_TAG_namelist_item = 0x2c;
export const DW_TAG_packed_type = 0x2d;
export const DW_TAG_subprogram = 0x2e;
export const DW_TAG_template_type_parameter = 0x2f;
export const DW_TAG_template_value_parameter = 0x30;
export const DW_TAG_thrown_type = 0x31;
export const DW_TAG_try_block = 0x32;
export const DW_TAG_variant_part = 0x33;
export const DW_TAG_variable = 0x34;
export const DW_TAG_volatile_type = 0x35;
export const DW_TAG_dwarf_procedure = 0x36;
export const DW_TAG_restrict_type = 0x37;
export const DW_TAG_interface_type = 0x38;
export const DW_TAG_namespace = 0x39;
export const DW_TAG_imported_module = 0x3a;
export const DW_TAG_unspecified_type = 0x3b;
export const DW_TAG_partial_unit = 0x3c;
export const DW_TAG_imported_unit = 0x3d;
export const DW_TAG_condition = 0x3f;
export const DW_TAG_shared_type = 0x40;
export const DW_TAG_type_unit = 0x41;
export const DW_TAG_rvalue_reference_type = 0x42;
export const DW_TAG_template_alias = 0x43;
export const DW_TAG_coarray_type = 0x44;
export const DW_TAG_generic_subrange = 0x45;
export const DW_TAG_dynamic_type = 0x46;
export const DW_TAG_atomic_type = 0x47;
export const DW_TAG_call_site = 0x48;
export const DW_TAG_call_site_parameter = 0x49;
export const DW_TAG_skeleton_unit = 0x4a;
export const DW_TAG_immutable_type = 0x4b;
export const DW_TAG_GNU_template_template_param = 0x4106;
export const DW_TAG_GNU_template_parameter_pack = 0x4107;
export const DW_TAG_GNU_formal_parameter_pack = 0x4108;
export const DW_TAG_GNU_call_site = 0x4109;
export const DW_TAG_GNU_call_site_parameter = 0x410a;

const TAG_NAMES: ReadonlyMap<number, string> = new Map([
  [DW_TAG_array_type, "DW_TAG_array_type"],
  [DW_TAG_class_type, "DW_TAG_class_type"],
  [DW_TAG_entry_point, "DW_TAG_entry_point"],
  [DW_TAG_enumeration_type, "DW_TAG_enumeration_type"],
  [DW_TAG_formal_parameter, "DW_TAG_formal_parameter"],
  [DW_TAG_imported_declaration, "DW_TAG_imported_declaration"],
  [DW_TAG_label, "DW_TAG_label"],
  [DW_TAG_lexical_block, "DW_TAG_lexical_block"],
  [DW_TAG_member, "DW_TAG_member"],
  [DW_TAG_pointer_type, "DW_TAG_pointer_type"],
  [DW_TAG_reference_type, "DW_TAG_reference_type"],
  [DW_TAG_compile_unit, "DW_TAG_compile_unit"],
  [DW_TAG_string_type, "DW_TAG_string_type"],
  [DW_TAG_structure_type, "DW_TAG_structure_type"],
  [DW_TAG_subroutine_type, "DW_TAG_subroutine_type"],
  [DW_TAG_typedef, "DW_TAG_typedef"],
  [DW_TAG_union_type, "DW_TAG_union_type"],
  [DW_TAG_unspecified_parameters, "DW_TAG_unspecified_parameters"],
  [DW_TAG_variant, "DW_TAG_variant"],
  [DW_TAG_common_block, "DW_TAG_common_block"],
  [DW_TAG_common_inclusion, "DW_TAG_common_inclusion"],
  [DW_TAG_inheritance, "DW_TAG_inheritance"],
  [DW_TAG_inlined_subroutine, "DW_TAG_inlined_subroutine"],
  [DW_TAG_module, "DW_TAG_module"],
  [DW_TAG_ptr_to_member_type, "DW_TAG_ptr_to_member_type"],
  [DW_TAG_set_type, "DW_TAG_set_type"],
  [DW_TAG_subrange_type, "DW_TAG_subrange_type"],
  [DW_TAG_with_stmt, "DW_TAG_with_stmt"],
  [DW_TAG_access_declaration, "DW_TAG_access_declaration"],
  [DW_TAG_base_type, "DW_TAG_base_type"],
  [DW_TAG_catch_block, "DW_TAG_catch_block"],
  [DW_TAG_const_type, "DW_TAG_const_type"],
  [DW_TAG_constant, "DW_TAG_constant"],
  [DW_TAG_enumerator, "DW_TAG_enumerator"],
  [DW_TAG_file_type, "DW_TAG_file_type"],
  [DW_TAG_friend, "DW_TAG_friend"],
  [DW_TAG_namelist, "DW_TAG_namelist"],
  [DW_TAG_namelist_item, "DW_TAG_namelist_item"],
  [DW_TAG_packed_type, "DW_TAG_packed_type"],
  [DW_TAG_subprogram, "DW_TAG_subprogram"],
  [DW_TAG_template_type_parameter, "DW_TAG_template_type_parameter"],
  [DW_TAG_template_value_parameter, "DW_TAG_template_value_parameter"],
  [DW_TAG_thrown_type, "DW_TAG_thrown_type"],
  [DW_TAG_try_block, "DW_TAG_try_block"],
  [DW_TAG_variant_part, "DW_TAG_variant_part"],
  [DW_TAG_variable, "DW_TAG_variable"],
  [DW_TAG_volatile_type, "DW_TAG_volatile_type"],
  [DW_TAG_dwarf_procedure, "DW_TAG_dwarf_procedure"],
  [DW_TAG_restrict_type, "DW_TAG_restrict_type"],
  [DW_TAG_interface_type, "DW_TAG_interface_type"],
  [DW_TAG_namespace, "DW_TAG_namespace"],
  [DW_TAG_imported_module, "DW_TAG_imported_module"],
  [DW_TAG_unspecified_type, "DW_TAG_unspecified_type"],
  [DW_TAG_partial_unit, "DW_TAG_partial_unit"],
  [DW_TAG_imported_unit, "DW_TAG_imported_unit"],
  [DW_TAG_condition, "DW_TAG_condition"],
  [DW_TAG_shared_type, "DW_TAG_shared_type"],
  [DW_TAG_type_unit, "DW_TAG_type_unit"],
  [DW_TAG_rvalue_reference_type, "DW_TAG_rvalue_reference_type"],
  [DW_TAG_template_alias, "DW_TAG_template_alias"],
  [DW_TAG_coarray_type, "DW_TAG_coarray_type"],
  [DW_TAG_generic_subrange, "DW_TAG_generic_subrange"],
  [DW_TAG_dynamic_type, "DW_TAG_dynamic_type"],
  [DW_TAG_atomic_type, "DW_TAG_atomic_type"],
  [DW_TAG_call_site, "DW_TAG_call_site"],
  [DW_TAG_call_site_parameter, "DW_TAG_call_site_parameter"],
  [DW_TAG_skeleton_unit, "DW_TAG_skeleton_unit"],
  [DW_TAG_immutable_type, "DW_TAG_immutable_type"],
  [DW_TAG_GNU_template_template_param, "DW_TAG_GNU_template_template_param"],
  [DW_TAG_GNU_template_parameter_pack, "DW_TAG_GNU_template_parameter_pack"],
  [DW_TAG_GNU_formal_parameter_pack, "DW_TAG_GNU_formal_parameter_pack"],
  [DW_TAG_GNU_call_site, "DW_TAG_GNU_call_site"],
  [DW_TAG_GNU_call_site_parameter, "DW_TAG_GNU_call_site_parameter"],
]);

/**
 * The specification name of a debugging information entry's tag (`DW_TAG_*`).
 *
 * @param value the number as stored.
 * @returns its name, or `DW_TAG_0x…` for a value this package does not know.
 * @example
 * ```ts
 * tagName(DW_TAG_subprogram); // "DW_TAG_subprogram"
 * tagName(0x5000); // "DW_TAG_0x5000"
 * ```
 */
export function tagName(value: number): string {
  return TAG_NAMES.get(value) ?? `DW_TAG_0x${value.toString(16)}`;
}

export const DW_AT_sibling = 0x01;
export const DW_AT_location = 0x02;
export const DW_AT_name = 0x03;
export const DW_AT_ordering = 0x09;
export const DW_AT_byte_size = 0x0b;
export const DW_AT_bit_offset = 0x0c;
export const DW_AT_bit_size = 0x0d;
export const DW_AT_stmt_list = 0x10;
export const DW_AT_low_pc = 0x11;
export const DW_AT_high_pc = 0x12;
export const DW_AT_language = 0x13;
export const DW_AT_discr = 0x15;
export const DW_AT_discr_value = 0x16;
export const DW_AT_visibility = 0x17;
export const DW_AT_import = 0x18;
export const DW_AT_string_length = 0x19;
export const DW_AT_common_reference = 0x1a;
export const DW_AT_comp_dir = 0x1b;
export const DW_AT_const_value = 0x1c;
export const DW_AT_containing_type = 0x1d;
export const DW_AT_default_value = 0x1e;
export const DW_AT_inline = 0x20;
export const DW_AT_is_optional = 0x21;
export const DW_AT_lower_bound = 0x22;
export const DW_AT_producer = 0x25;
export const DW_AT_prototyped = 0x27;
export const DW_AT_return_addr = 0x2a;
export const DW_AT_start_scope = 0x2c;
export const DW_AT_bit_stride = 0x2e;
export const DW_AT_upper_bound = 0x2f;
export const DW_AT_abstract_origin = 0x31;
export const DW_AT_accessibility = 0x32;
export const DW_AT_address_class = 0x33;
export const DW_AT_artificial = 0x34;
export const DW_AT_base_types = 0x35;
export const DW_AT_calling_convention = 0x36;
export const DW_AT_count = 0x37;
export const DW_AT_data_member_location = 0x38;
export const DW_AT_decl_column = 0x39;
export const DW_AT_decl_file = 0x3a;
export const DW_AT_decl_line = 0x3b;
export const DW_AT_declaration = 0x3c;
export const DW_AT_discr_list = 0x3d;
export const DW_AT_encoding = 0x3e;
export const DW_AT_external = 0x3f;
export const DW_AT_frame_base = 0x40;
export const DW_AT_friend = 0x41;
export const DW_AT_identifier_case = 0x42;
export const DW_AT_macro_info = 0x43;
export const DW_AT_namelist_item = 0x44;
export const DW_AT_priority = 0x45;
export const DW_AT_segment = 0x46;
export const DW_AT_specification = 0x47;
export const DW_AT_static_link = 0x48;
export const DW_AT_type = 0x49;
export const DW_AT_use_location = 0x4a;
export const DW_AT_variable_parameter = 0x4b;
export const DW_AT_virtuality = 0x4c;
export const DW_AT_vtable_elem_location = 0x4d;
export const DW_AT_allocated = 0x4e;
export const DW_AT_associated = 0x4f;
export const DW_AT_data_location = 0x50;
export const DW_AT_byte_stride = 0x51;
export const DW_AT_entry_pc = 0x52;
export const DW_AT_use_UTF8 = 0x53;
export const DW_AT_extension = 0x54;
export const DW_AT_ranges = 0x55;
export const DW_AT_trampoline = 0x56;
export const DW_AT_call_column = 0x57;
export const DW_AT_call_file = 0x58;
export const DW_AT_call_line = 0x59;
export const DW_AT_description = 0x5a;
export const DW_AT_binary_scale = 0x5b;
export const DW_AT_decimal_scale = 0x5c;
export const DW_AT_small = 0x5d;
export const DW_AT_decimal_sign = 0x5e;
export const DW_AT_digit_count = 0x5f;
export const DW_AT_picture_string = 0x60;
export const DW_AT_mutable = 0x61;
export const DW_AT_threads_scaled = 0x62;
export const DW_AT_explicit = 0x63;
export const DW_AT_object_pointer = 0x64;
export const DW_AT_endianity = 0x65;
export const DW_AT_elemental = 0x66;
export const DW_AT_pure = 0x67;
export const DW_AT_recursive = 0x68;
export const DW_AT_signature = 0x69;
export const DW_AT_main_subprogram = 0x6a;
export const DW_AT_data_bit_offset = 0x6b;
export const DW_AT_const_expr = 0x6c;
export const DW_AT_enum_class = 0x6d;
export const DW_AT_linkage_name = 0x6e;
export const DW_AT_string_length_bit_size = 0x6f;
export const DW_AT_string_length_byte_size = 0x70;
export const DW_AT_rank = 0x71;
export const DW_AT_str_offsets_base = 0x72;
export const DW_AT_addr_base = 0x73;
export const DW_AT_rnglists_base = 0x74;
export const DW_AT_dwo_name = 0x76;
export const DW_AT_reference = 0x77;
export const DW_AT_rvalue_reference = 0x78;
export const DW_AT_macros = 0x79;
export const DW_AT_call_all_calls = 0x7a;
export const DW_AT_call_all_source_calls = 0x7b;
export const DW_AT_call_all_tail_calls = 0x7c;
export const DW_AT_call_return_pc = 0x7d;
export const DW_AT_call_value = 0x7e;
export const DW_AT_call_origin = 0x7f;
export const DW_AT_call_parameter = 0x80;
export const DW_AT_call_pc = 0x81;
export const DW_AT_call_tail_call = 0x82;
export const DW_AT_call_target = 0x83;
export const DW_AT_call_target_clobbered = 0x84;
export const DW_AT_call_data_location = 0x85;
export const DW_AT_call_data_value = 0x86;
export const DW_AT_noreturn = 0x87;
export const DW_AT_alignment = 0x88;
export const DW_AT_export_symbols = 0x89;
export const DW_AT_deleted = 0x8a;
export const DW_AT_defaulted = 0x8b;
export const DW_AT_loclists_base = 0x8c;
export const DW_AT_MIPS_linkage_name = 0x2007;
export const DW_AT_GNU_vector = 0x2107;
export const DW_AT_GNU_template_name = 0x2110;
export const DW_AT_GNU_call_site_value = 0x2111;
export const DW_AT_GNU_call_site_data_value = 0x2112;
export const DW_AT_GNU_call_site_target = 0x2113;
export const DW_AT_GNU_call_site_target_clobbered = 0x2114;
export const DW_AT_GNU_tail_call = 0x2115;
export const DW_AT_GNU_all_tail_call_sites = 0x2116;
export const DW_AT_GNU_all_call_sites = 0x2117;
export const DW_AT_GNU_all_source_call_sites = 0x2118;
export const DW_AT_GNU_macros = 0x2119;
export const DW_AT_GNU_deleted = 0x211a;
export const DW_AT_GNU_dwo_name = 0x2130;
export const DW_AT_GNU_dwo_id = 0x2131;
export const DW_AT_GNU_ranges_base = 0x2132;
export const DW_AT_GNU_addr_base = 0x2133;
export const DW_AT_GNU_pubnames = 0x2134;
export const DW_AT_GNU_pubtypes = 0x2135;
export const DW_AT_GNU_discriminator = 0x2136;
export const DW_AT_GNU_locviews = 0x2137;
export const DW_AT_GNU_entry_view = 0x2138;

const AT_NAMES: ReadonlyMap<number, string> = new Map([
  [DW_AT_sibling, "DW_AT_sibling"],
  [DW_AT_location, "DW_AT_location"],
  [DW_AT_name, "DW_AT_name"],
  [DW_AT_ordering, "DW_AT_ordering"],
  [DW_AT_byte_size, "DW_AT_byte_size"],
  [DW_AT_bit_offset, "DW_AT_bit_offset"],
  [DW_AT_bit_size, "DW_AT_bit_size"],
  [DW_AT_stmt_list, "DW_AT_stmt_list"],
  [DW_AT_low_pc, "DW_AT_low_pc"],
  [DW_AT_high_pc, "DW_AT_high_pc"],
  [DW_AT_language, "DW_AT_language"],
  [DW_AT_discr, "DW_AT_discr"],
  [DW_AT_discr_value, "DW_AT_discr_value"],
  [DW_AT_visibility, "DW_AT_visibility"],
  [DW_AT_import, "DW_AT_import"],
  [DW_AT_string_length, "DW_AT_string_length"],
  [DW_AT_common_reference, "DW_AT_common_reference"],
  [DW_AT_comp_dir, "DW_AT_comp_dir"],
  [DW_AT_const_value, "DW_AT_const_value"],
  [DW_AT_containing_type, "DW_AT_containing_type"],
  [DW_AT_default_value, "DW_AT_default_value"],
  [DW_AT_inline, "DW_AT_inline"],
  [DW_AT_is_optional, "DW_AT_is_optional"],
  [DW_AT_lower_bound, "DW_AT_lower_bound"],
  [DW_AT_producer, "DW_AT_producer"],
  [DW_AT_prototyped, "DW_AT_prototyped"],
  [DW_AT_return_addr, "DW_AT_return_addr"],
  [DW_AT_start_scope, "DW_AT_start_scope"],
  [DW_AT_bit_stride, "DW_AT_bit_stride"],
  [DW_AT_upper_bound, "DW_AT_upper_bound"],
  [DW_AT_abstract_origin, "DW_AT_abstract_origin"],
  [DW_AT_accessibility, "DW_AT_accessibility"],
  [DW_AT_address_class, "DW_AT_address_class"],
  [DW_AT_artificial, "DW_AT_artificial"],
  [DW_AT_base_types, "DW_AT_base_types"],
  [DW_AT_calling_convention, "DW_AT_calling_convention"],
  [DW_AT_count, "DW_AT_count"],
  [DW_AT_data_member_location, "DW_AT_data_member_location"],
  [DW_AT_decl_column, "DW_AT_decl_column"],
  [DW_AT_decl_file, "DW_AT_decl_file"],
  [DW_AT_decl_line, "DW_AT_decl_line"],
  [DW_AT_declaration, "DW_AT_declaration"],
  [DW_AT_discr_list, "DW_AT_discr_list"],
  [DW_AT_encoding, "DW_AT_encoding"],
  [DW_AT_external, "DW_AT_external"],
  [DW_AT_frame_base, "DW_AT_frame_base"],
  [DW_AT_friend, "DW_AT_friend"],
  [DW_AT_identifier_case, "DW_AT_identifier_case"],
  [DW_AT_macro_info, "DW_AT_macro_info"],
  [DW_AT_namelist_item, "DW_AT_namelist_item"],
  [DW_AT_priority, "DW_AT_priority"],
  [DW_AT_segment, "DW_AT_segment"],
  [DW_AT_specification, "DW_AT_specification"],
  [DW_AT_static_link, "DW_AT_static_link"],
  [DW_AT_type, "DW_AT_type"],
  [DW_AT_use_location, "DW_AT_use_location"],
  [DW_AT_variable_parameter, "DW_AT_variable_parameter"],
  [DW_AT_virtuality, "DW_AT_virtuality"],
  [DW_AT_vtable_elem_location, "DW_AT_vtable_elem_location"],
  [DW_AT_allocated, "DW_AT_allocated"],
  [DW_AT_associated, "DW_AT_associated"],
  [DW_AT_data_location, "DW_AT_data_location"],
  [DW_AT_byte_stride, "DW_AT_byte_stride"],
  [DW_AT_entry_pc, "DW_AT_entry_pc"],
  [DW_AT_use_UTF8, "DW_AT_use_UTF8"],
  [DW_AT_extension, "DW_AT_extension"],
  [DW_AT_ranges, "DW_AT_ranges"],
  [DW_AT_trampoline, "DW_AT_trampoline"],
  [DW_AT_call_column, "DW_AT_call_column"],
  [DW_AT_call_file, "DW_AT_call_file"],
  [DW_AT_call_line, "DW_AT_call_line"],
  [DW_AT_description, "DW_AT_description"],
  [DW_AT_binary_scale, "DW_AT_binary_scale"],
  [DW_AT_decimal_scale, "DW_AT_decimal_scale"],
  [DW_AT_small, "DW_AT_small"],
  [DW_AT_decimal_sign, "DW_AT_decimal_sign"],
  [DW_AT_digit_count, "DW_AT_digit_count"],
  [DW_AT_picture_string, "DW_AT_picture_string"],
  [DW_AT_mutable, "DW_AT_mutable"],
  [DW_AT_threads_scaled, "DW_AT_threads_scaled"],
  [DW_AT_explicit, "DW_AT_explicit"],
  [DW_AT_object_pointer, "DW_AT_object_pointer"],
  [DW_AT_endianity, "DW_AT_endianity"],
  [DW_AT_elemental, "DW_AT_elemental"],
  [DW_AT_pure, "DW_AT_pure"],
  [DW_AT_recursive, "DW_AT_recursive"],
  [DW_AT_signature, "DW_AT_signature"],
  [DW_AT_main_subprogram, "DW_AT_main_subprogram"],
  [DW_AT_data_bit_offset, "DW_AT_data_bit_offset"],
  [DW_AT_const_expr, "DW_AT_const_expr"],
  [DW_AT_enum_class, "DW_AT_enum_class"],
  [DW_AT_linkage_name, "DW_AT_linkage_name"],
  [DW_AT_string_length_bit_size, "DW_AT_string_length_bit_size"],
  [DW_AT_string_length_byte_size, "DW_AT_string_length_byte_size"],
  [DW_AT_rank, "DW_AT_rank"],
  [DW_AT_str_offsets_base, "DW_AT_str_offsets_base"],
  [DW_AT_addr_base, "DW_AT_addr_base"],
  [DW_AT_rnglists_base, "DW_AT_rnglists_base"],
  [DW_AT_dwo_name, "DW_AT_dwo_name"],
  [DW_AT_reference, "DW_AT_reference"],
  [DW_AT_rvalue_reference, "DW_AT_rvalue_reference"],
  [DW_AT_macros, "DW_AT_macros"],
  [DW_AT_call_all_calls, "DW_AT_call_all_calls"],
  [DW_AT_call_all_source_calls, "DW_AT_call_all_source_calls"],
  [DW_AT_call_all_tail_calls, "DW_AT_call_all_tail_calls"],
  [DW_AT_call_return_pc, "DW_AT_call_return_pc"],
  [DW_AT_call_value, "DW_AT_call_value"],
  [DW_AT_call_origin, "DW_AT_call_origin"],
  [DW_AT_call_parameter, "DW_AT_call_parameter"],
  [DW_AT_call_pc, "DW_AT_call_pc"],
  [DW_AT_call_tail_call, "DW_AT_call_tail_call"],
  [DW_AT_call_target, "DW_AT_call_target"],
  [DW_AT_call_target_clobbered, "DW_AT_call_target_clobbered"],
  [DW_AT_call_data_location, "DW_AT_call_data_location"],
  [DW_AT_call_data_value, "DW_AT_call_data_value"],
  [DW_AT_noreturn, "DW_AT_noreturn"],
  [DW_AT_alignment, "DW_AT_alignment"],
  [DW_AT_export_symbols, "DW_AT_export_symbols"],
  [DW_AT_deleted, "DW_AT_deleted"],
  [DW_AT_defaulted, "DW_AT_defaulted"],
  [DW_AT_loclists_base, "DW_AT_loclists_base"],
  [DW_AT_MIPS_linkage_name, "DW_AT_MIPS_linkage_name"],
  [DW_AT_GNU_vector, "DW_AT_GNU_vector"],
  [DW_AT_GNU_template_name, "DW_AT_GNU_template_name"],
  [DW_AT_GNU_call_site_value, "DW_AT_GNU_call_site_value"],
  [DW_AT_GNU_call_site_data_value, "DW_AT_GNU_call_site_data_value"],
  [DW_AT_GNU_call_site_target, "DW_AT_GNU_call_site_target"],
  [DW_AT_GNU_call_site_target_clobbered, "DW_AT_GNU_call_site_target_clobbered"],
  [DW_AT_GNU_tail_call, "DW_AT_GNU_tail_call"],
  [DW_AT_GNU_all_tail_call_sites, "DW_AT_GNU_all_tail_call_sites"],
  [DW_AT_GNU_all_call_sites, "DW_AT_GNU_all_call_sites"],
  [DW_AT_GNU_all_source_call_sites, "DW_AT_GNU_all_source_call_sites"],
  [DW_AT_GNU_macros, "DW_AT_GNU_macros"],
  [DW_AT_GNU_deleted, "DW_AT_GNU_deleted"],
  [DW_AT_GNU_dwo_name, "DW_AT_GNU_dwo_name"],
  [DW_AT_GNU_dwo_id, "DW_AT_GNU_dwo_id"],
  [DW_AT_GNU_ranges_base, "DW_AT_GNU_ranges_base"],
  [DW_AT_GNU_addr_base, "DW_AT_GNU_addr_base"],
  [DW_AT_GNU_pubnames, "DW_AT_GNU_pubnames"],
  [DW_AT_GNU_pubtypes, "DW_AT_GNU_pubtypes"],
  [DW_AT_GNU_discriminator, "DW_AT_GNU_discriminator"],
  [DW_AT_GNU_locviews, "DW_AT_GNU_locviews"],
  [DW_AT_GNU_entry_view, "DW_AT_GNU_entry_view"],
]);

/**
 * The specification name of an attribute (`DW_AT_*`).
 *
 * @param value the number as stored.
 * @returns its name, or `DW_AT_0x…` for a value this package does not know.
 * @example
 * ```ts
 * attributeName(DW_AT_call_line); // "DW_AT_call_line"
 * attributeName(0x3fff); // "DW_AT_0x3fff"
 * ```
 */
export function attributeName(value: number): string {
  return AT_NAMES.get(value) ?? `DW_AT_0x${value.toString(16)}`;
}

export const DW_FORM_addr = 0x01;
export const DW_FORM_block2 = 0x03;
export const DW_FORM_block4 = 0x04;
export const DW_FORM_data2 = 0x05;
export const DW_FORM_data4 = 0x06;
export const DW_FORM_data8 = 0x07;
export const DW_FORM_string = 0x08;
export const DW_FORM_block = 0x09;
export const DW_FORM_block1 = 0x0a;
export const DW_FORM_data1 = 0x0b;
export const DW_FORM_flag = 0x0c;
export const DW_FORM_sdata = 0x0d;
export const DW_FORM_strp = 0x0e;
export const DW_FORM_udata = 0x0f;
export const DW_FORM_ref_addr = 0x10;
export const DW_FORM_ref1 = 0x11;
export const DW_FORM_ref2 = 0x12;
export const DW_FORM_ref4 = 0x13;
export const DW_FORM_ref8 = 0x14;
export const DW_FORM_ref_udata = 0x15;
export const DW_FORM_indirect = 0x16;
export const DW_FORM_sec_offset = 0x17;
export const DW_FORM_exprloc = 0x18;
export const DW_FORM_flag_present = 0x19;
export const DW_FORM_strx = 0x1a;
export const DW_FORM_addrx = 0x1b;
export const DW_FORM_ref_sup4 = 0x1c;
export const DW_FORM_strp_sup = 0x1d;
export const DW_FORM_data16 = 0x1e;
export const DW_FORM_line_strp = 0x1f;
export const DW_FORM_ref_sig8 = 0x20;
export const DW_FORM_implicit_const = 0x21;
export const DW_FORM_loclistx = 0x22;
export const DW_FORM_rnglistx = 0x23;
export const DW_FORM_ref_sup8 = 0x24;
export const DW_FORM_strx1 = 0x25;
export const DW_FORM_strx2 = 0x26;
export const DW_FORM_strx3 = 0x27;
export const DW_FORM_strx4 = 0x28;
export const DW_FORM_addrx1 = 0x29;
export const DW_FORM_addrx2 = 0x2a;
export const DW_FORM_addrx3 = 0x2b;
export const DW_FORM_addrx4 = 0x2c;
export const DW_FORM_GNU_addr_index = 0x1f01;
export const DW_FORM_GNU_str_index = 0x1f02;
export const DW_FORM_GNU_ref_alt = 0x1f20;
export const DW_FORM_GNU_strp_alt = 0x1f21;

const FORM_NAMES: ReadonlyMap<number, string> = new Map([
  [DW_FORM_addr, "DW_FORM_addr"],
  [DW_FORM_block2, "DW_FORM_block2"],
  [DW_FORM_block4, "DW_FORM_block4"],
  [DW_FORM_data2, "DW_FORM_data2"],
  [DW_FORM_data4, "DW_FORM_data4"],
  [DW_FORM_data8, "DW_FORM_data8"],
  [DW_FORM_string, "DW_FORM_string"],
  [DW_FORM_block, "DW_FORM_block"],
  [DW_FORM_block1, "DW_FORM_block1"],
  [DW_FORM_data1, "DW_FORM_data1"],
  [DW_FORM_flag, "DW_FORM_flag"],
  [DW_FORM_sdata, "DW_FORM_sdata"],
  [DW_FORM_strp, "DW_FORM_strp"],
  [DW_FORM_udata, "DW_FORM_udata"],
  [DW_FORM_ref_addr, "DW_FORM_ref_addr"],
  [DW_FORM_ref1, "DW_FORM_ref1"],
  [DW_FORM_ref2, "DW_FORM_ref2"],
  [DW_FORM_ref4, "DW_FORM_ref4"],
  [DW_FORM_ref8, "DW_FORM_ref8"],
  [DW_FORM_ref_udata, "DW_FORM_ref_udata"],
  [DW_FORM_indirect, "DW_FORM_indirect"],
  [DW_FORM_sec_offset, "DW_FORM_sec_offset"],
  [DW_FORM_exprloc, "DW_FORM_exprloc"],
  [DW_FORM_flag_present, "DW_FORM_flag_present"],
  [DW_FORM_strx, "DW_FORM_strx"],
  [DW_FORM_addrx, "DW_FORM_addrx"],
  [DW_FORM_ref_sup4, "DW_FORM_ref_sup4"],
  [DW_FORM_strp_sup, "DW_FORM_strp_sup"],
  [DW_FORM_data16, "DW_FORM_data16"],
  [DW_FORM_line_strp, "DW_FORM_line_strp"],
  [DW_FORM_ref_sig8, "DW_FORM_ref_sig8"],
  [DW_FORM_implicit_const, "DW_FORM_implicit_const"],
  [DW_FORM_loclistx, "DW_FORM_loclistx"],
  [DW_FORM_rnglistx, "DW_FORM_rnglistx"],
  [DW_FORM_ref_sup8, "DW_FORM_ref_sup8"],
  [DW_FORM_strx1, "DW_FORM_strx1"],
  [DW_FORM_strx2, "DW_FORM_strx2"],
  [DW_FORM_strx3, "DW_FORM_strx3"],
  [DW_FORM_strx4, "DW_FORM_strx4"],
  [DW_FORM_addrx1, "DW_FORM_addrx1"],
  [DW_FORM_addrx2, "DW_FORM_addrx2"],
  [DW_FORM_addrx3, "DW_FORM_addrx3"],
  [DW_FORM_addrx4, "DW_FORM_addrx4"],
  [DW_FORM_GNU_addr_index, "DW_FORM_GNU_addr_index"],
  [DW_FORM_GNU_str_index, "DW_FORM_GNU_str_index"],
  [DW_FORM_GNU_ref_alt, "DW_FORM_GNU_ref_alt"],
  [DW_FORM_GNU_strp_alt, "DW_FORM_GNU_strp_alt"],
]);

/**
 * The specification name of an attribute form (`DW_FORM_*`).
 *
 * @param value the number as stored.
 * @returns its name, or `DW_FORM_0x…` for a value this package does not know.
 * @example
 * ```ts
 * formName(DW_FORM_strx1); // "DW_FORM_strx1"
 * formName(0x7f); // "DW_FORM_0x7f"
 * ```
 */
export function formName(value: number): string {
  return FORM_NAMES.get(value) ?? `DW_FORM_0x${value.toString(16)}`;
}

export const DW_UT_compile = 0x01;
export const DW_UT_type = 0x02;
export const DW_UT_partial = 0x03;
export const DW_UT_skeleton = 0x04;
export const DW_UT_split_compile = 0x05;
export const DW_UT_split_type = 0x06;

const UT_NAMES: ReadonlyMap<number, string> = new Map([
  [DW_UT_compile, "DW_UT_compile"],
  [DW_UT_type, "DW_UT_type"],
  [DW_UT_partial, "DW_UT_partial"],
  [DW_UT_skeleton, "DW_UT_skeleton"],
  [DW_UT_split_compile, "DW_UT_split_compile"],
  [DW_UT_split_type, "DW_UT_split_type"],
]);

/**
 * The specification name of a unit type (`DW_UT_*`, DWARF 5 unit headers).
 *
 * @param value the number as stored.
 * @returns its name, or `DW_UT_0x…` for a value this package does not know.
 * @example
 * ```ts
 * unitTypeName(DW_UT_compile); // "DW_UT_compile"
 * unitTypeName(0x80); // "DW_UT_0x80"
 * ```
 */
export function unitTypeName(value: number): string {
  return UT_NAMES.get(value) ?? `DW_UT_0x${value.toString(16)}`;
}

export const DW_RLE_end_of_list = 0x00;
export const DW_RLE_base_addressx = 0x01;
export const DW_RLE_startx_endx = 0x02;
export const DW_RLE_startx_length = 0x03;
export const DW_RLE_offset_pair = 0x04;
export const DW_RLE_base_address = 0x05;
export const DW_RLE_start_end = 0x06;
export const DW_RLE_start_length = 0x07;

const RLE_NAMES: ReadonlyMap<number, string> = new Map([
  [DW_RLE_end_of_list, "DW_RLE_end_of_list"],
  [DW_RLE_base_addressx, "DW_RLE_base_addressx"],
  [DW_RLE_startx_endx, "DW_RLE_startx_endx"],
  [DW_RLE_startx_length, "DW_RLE_startx_length"],
  [DW_RLE_offset_pair, "DW_RLE_offset_pair"],
  [DW_RLE_base_address, "DW_RLE_base_address"],
  [DW_RLE_start_end, "DW_RLE_start_end"],
  [DW_RLE_start_length, "DW_RLE_start_length"],
]);

/**
 * The specification name of a range list entry kind (`DW_RLE_*`, DWARF 5 `.debug_rnglists`).
 *
 * @param value the number as stored.
 * @returns its name, or `DW_RLE_0x…` for a value this package does not know.
 * @example
 * ```ts
 * rangeListEntryName(DW_RLE_offset_pair); // "DW_RLE_offset_pair"
 * rangeListEntryName(0x8); // "DW_RLE_0x8"
 * ```
 */
export function rangeListEntryName(value: number): string {
  return RLE_NAMES.get(value) ?? `DW_RLE_0x${value.toString(16)}`;
}
