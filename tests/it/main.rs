//! The integration tests, in one binary (one link instead of one per file).

mod cli_common;
mod export_common;
mod pty_common;
mod tui_common;
mod widgets_common;

mod agenda_cli;
mod cli_edges;
mod cli_generate;
mod cli_import_export;
mod crash;
mod demo_living;
mod export_cli_deidentify;
mod export_deidentify;
mod export_fhir;
mod import_json;
mod report_cli;
mod report_snapshots;
mod research_consent;
mod safety_check;
mod safety_tui;
mod stats_golden;
mod stats_props;
mod store_hardening;
mod store_rules;
mod summaries;
mod tui_demo;
mod tui_journey;
mod tui_keys;
mod tui_plan;
mod tui_pty;
mod tui_record_tabs;
mod tui_screens;
mod tui_stats_agenda;
mod widgets_plan;
mod widgets_stats;
