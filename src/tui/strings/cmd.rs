//! The words of the commands: the key bar label (empty: help only) and the help sentence.

use crate::tui::command::CmdText;

const fn t(bar: &'static str, help: &'static str) -> CmdText {
    CmdText { bar, help }
}

pub const QUIT: CmdText = t(
    "",
    "quit smplan at once (every accepted field is already saved)",
);
pub const STATISTICS: CmdText = t("statistics", "statistics; Esc comes back");
pub const AGENDA: CmdText = t("agenda", "agenda: due and overdue; Esc comes back");
pub const HELP: CmdText = t("help", "show this help");
pub const CLOSE_HELP: CmdText = t("close", "close the help");
pub const HELP_UP: CmdText = t("", "scroll the help up");
pub const HELP_DOWN: CmdText = t("scroll", "scroll the help down");
pub const HELP_PAGE_UP: CmdText = t("", "scroll the help one page up");
pub const HELP_PAGE_DOWN: CmdText = t("", "scroll the help one page down");
pub const BACK: CmdText = t("back", "back to where you were");
pub const BACK_TO_LIST: CmdText = t("back", "back to the patient list");
pub const BACK_TO_AGENDA: CmdText = t("back", "back to the agenda, on the same row");
pub const QUIT_APP: CmdText = t("quit", "quit smplan");
pub const CLEAR_SEARCH_OR_QUIT: CmdText = t("quit", "clear the search, or quit");
pub const CLEAR_SEARCH: CmdText = t("clear search", "clear the search");

pub const PREV_FIELD: CmdText = t("", "previous field");
pub const NEXT_FIELD: CmdText = t("", "next field");
pub const PREV_SECTION: CmdText = t("", "previous section");
pub const NEXT_SECTION: CmdText = t("", "next section");
pub const FIRST_FIELD: CmdText = t("", "first field");
pub const LAST_FIELD: CmdText = t("", "last field");
pub const EDIT: CmdText = t(
    "edit",
    "edit the value (typing replaces it; an arrow key edits it)",
);
pub const QUICK: CmdText = t(
    "today",
    "save today's date at once (type digits for another date)",
);
pub const TYPE_DIGITS: CmdText = t("0-9", "a digit typed on a field starts a new value with it");
pub const CHOOSE: CmdText = t(
    "choose",
    "choose from the list (or type a digit to jump to it)",
);
pub const TICK: CmdText = t("tick", "tick or untick");
pub const PRESS: CmdText = t("do", "do what the line says");
pub const ANSWER_YES: CmdText = t("yes", "answer yes, and go to the next item");
pub const ANSWER_NO: CmdText = t("no", "answer no, and go to the next item");
pub const NOT_ASKED: CmdText = t("", "back to not asked");
pub const CLEAR: CmdText = t("", "clear the field (not recorded)");
pub const SAVE: CmdText = t("save", "check and save the value");
pub const SAVE_NEXT: CmdText = t("", "save and go to the next field");
pub const SAVE_PREV: CmdText = t("", "save and go to the previous field");
pub const CANCEL_EDIT: CmdText = t("cancel", "cancel the edit; nothing is saved");
pub const PREV_OPTION: CmdText = t("", "previous option");
pub const NEXT_OPTION: CmdText = t("", "next option");
pub const FIRST_OPTION: CmdText = t("", "first option");
pub const LAST_OPTION: CmdText = t("", "last option");
pub const CHOOSE_THIS: CmdText = t("choose", "save the highlighted option");
pub const CANCEL_CHOICE: CmdText = t("cancel", "cancel; nothing is saved");
pub const TYPE_TO_PICK: CmdText = t(
    "a-z 0-9 pick",
    "type letters or digits: the list jumps to the option they name",
);
pub const NEXT_TAB: CmdText = t("tab", "next tab of the patient");
pub const PREV_TAB: CmdText = t("", "previous tab of the patient");
pub const UNDO: CmdText = t(
    "undo",
    "undo the last saved change of this patient (again for the one before)",
);
pub const REMAINING_NO: CmdText = t(
    "rest no",
    "answer no to every item of the health screen not answered yet",
);
pub const CONFIRM_YES: CmdText = t("yes", "yes, do it");
pub const CONFIRM_NO: CmdText = t("no", "no, keep everything as it is");

// The patient list.
pub const PREV_PATIENT: CmdText = t("", "previous patient");
pub const NEXT_PATIENT: CmdText = t("", "next patient");
pub const PAGE_UP: CmdText = t("", "one page up");
pub const PAGE_DOWN: CmdText = t("", "one page down");
pub const FIRST_PATIENT: CmdText = t("", "first patient");
pub const LAST_PATIENT: CmdText = t("", "last patient");
pub const OPEN_PATIENT: CmdText = t("open", "open the patient at what is due (else the intake)");
pub const NEW_PATIENT: CmdText = t("new", "register a new patient");
pub const SEARCH: CmdText = t(
    "search",
    "search record id and name as you type (accents and case ignored)",
);
pub const FILTER: CmdText = t("filter", "filter by subtype: all → androgenetic → scarring");
pub const SORT: CmdText = t("sort", "sort by the next column");
pub const REVERSE_SORT: CmdText = t("", "reverse the sort order (missing values stay last)");
pub const SEARCH_OPEN: CmdText = t("open", "open the highlighted patient (the search stays)");
pub const SEARCH_CANCEL: CmdText = t("clear", "clear the search");
pub const PREV_MATCH: CmdText = t("", "previous match");
pub const NEXT_MATCH: CmdText = t("", "next match");
pub const SEARCH_KEEP: CmdText = t("keep", "keep the search and return to the list");

// The new patient dialog.
pub const NP_NEXT: CmdText = t("next", "next field");
pub const NP_PREV: CmdText = t("", "previous field");
pub const NP_SUBTYPE: CmdText = t("change", "change the subtype");
pub const NP_CREATE: CmdText = t("create", "create the patient and open the intake");
pub const NP_CANCEL: CmdText = t("cancel", "cancel without creating anything");

// The plan tab.
pub const ZONE_ABOVE: CmdText = t("", "zone above");
pub const ZONE_BELOW: CmdText = t("", "zone below, then dates");
pub const CELL_LEFT: CmdText = t("", "cell to the left");
pub const CELL_RIGHT: CmdText = t("", "cell to the right");
pub const ROW_START: CmdText = t("", "first cell of the row");
pub const ROW_END: CmdText = t("", "last cell of the row");
pub const EDIT_CELL: CmdText = t("edit", "edit the cell (typing replaces it)");
pub const REVERT: CmdText = t("revert", "back to the protocol's value");
pub const CLEAR_DATE: CmdText = t("", "clear the date");
pub const MAP_PREV: CmdText = t("", "map: previous session");
pub const MAP_NEXT: CmdText = t("session", "map: next session");
pub const MAP_1: CmdText = t("", "map: session 1");
pub const MAP_2: CmdText = t("", "map: session 2");
pub const MAP_3: CmdText = t("", "map: session 3");
pub const TOGGLE_MAP: CmdText = t("map", "map and dots instead of the table (narrow window)");
pub const ADD_ZONE: CmdText = t("zone", "add a zone");
pub const REMOVE_ZONE: CmdText = t("", "remove the zone (asks first)");
pub const GENERATE: CmdText = t("generate", "generate the plan from the protocol");
pub const REGENERATE: CmdText = t("", "regenerate, keeping the values set by hand");
pub const ADD_THIS_ZONE: CmdText = t("add", "add the highlighted zone");

// The sessions tab.
pub const PREV_SESSION: CmdText = t("", "previous session");
pub const NEXT_SESSION: CmdText = t("session", "next session");
pub const RECORD: CmdText = t(
    "record",
    "record the session as performed (asks first, with the date)",
);
pub const ADD_EVENT: CmdText = t("event", "add an adverse event: choose its type");
pub const REMOVE_EVENT: CmdText = t("", "remove the event (asks first)");
pub const UNRECORD: CmdText = t(
    "un-record",
    "un-record the session or touch-up shown (asks first; only the last session)",
);
pub const RECORD_TOUCH_UP: CmdText = t(
    "record",
    "record a touch-up as performed (asks first, with the date)",
);

// The follow-up tab.
pub const ADD_TIMEPOINT: CmdText = t("timepoint", "add a follow-up timepoint (12m, 24m...)");

// The agenda.
pub const PREV_ITEM: CmdText = t("", "previous item");
pub const NEXT_ITEM: CmdText = t("", "next item");
pub const FIRST_ITEM: CmdText = t("", "first item");
pub const LAST_ITEM: CmdText = t("", "last item");
pub const OPEN_ITEM: CmdText = t(
    "open",
    "open the patient at the first empty field of this visit",
);
pub const LONGER: CmdText = t("longer", "a longer range (0, 1, 7, 14, 21… days)");
pub const SHORTER: CmdText = t("shorter", "a shorter range");
pub const EARLIER: CmdText = t("", "start the range a day earlier");
pub const LATER: CmdText = t("", "start the range a day later");
pub const FROM_TODAY: CmdText = t("", "start the range today");
pub const EDIT_FROM: CmdText = t("from date", "type the first day of the range (YYYY-MM-DD)");
pub const SET_FROM: CmdText = t("set", "set the first day of the range");

// The statistics screen.
pub const SCROLL_UP: CmdText = t("", "scroll up");
pub const SCROLL_DOWN: CmdText = t("", "scroll down");
pub const SCREEN_UP: CmdText = t("", "one screen up");
pub const SCREEN_DOWN: CmdText = t("", "one screen down");
pub const TOP: CmdText = t("", "to the top");
pub const BOTTOM: CmdText = t("", "to the bottom");
pub const NEXT_PAGE: CmdText = t(
    "next page",
    "next page: retention → comparison → touch-ups → VDS over time → charts",
);
pub const PREV_PAGE: CmdText = t("previous page", "previous page");
