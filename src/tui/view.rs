//! Drawing the chat client: [`view`] renders an [`App`] into a ratatui frame and never
//! changes it. Layout at 80×24 and up: a header, the friend list on the left, the open
//! conversation (messages above the composer) on the right, a status line at the bottom,
//! and dialogs centred over it all. Text is measured in display columns (Hangul and kanji
//! take two), and only the messages that fit on screen are laid out, so a frame costs the
//! same with ten messages or ten thousand.

use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::app::{App, Badge, Chat, Focus, Form, Info, Members, Overlay, Target};
use crate::model::{Direction, MessageState};
use crate::node::MessageView;
use crate::text::for_terminal as clean;
use crate::tr;

/// Narrowest terminal the client draws in.
pub const MIN_WIDTH: u16 = 50;
/// Shortest terminal the client draws in.
pub const MIN_HEIGHT: u16 = 12;
/// Width of a form dialog (narrower terminals shrink it).
const FORM_WIDTH: u16 = 76;

/// The screen's regions: header, friend list, conversation, status line.
fn regions(area: Rect) -> [Rect; 4] {
    let [header, body, status] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(1), Constraint::Length(1)]).areas(area);
    let list_width = (area.width * 3 / 10).clamp(22, 34);
    let [list, chat] = Layout::horizontal([Constraint::Length(list_width), Constraint::Min(1)]).areas(body);
    [header, list, chat, status]
}

/// The conversation's regions: the messages' box and the composer's.
fn chat_regions(chat: Rect) -> [Rect; 2] {
    Layout::vertical([Constraint::Min(3), Constraint::Length(3)]).areas(chat)
}

/// The size (columns, rows) of the messages inside their box, on a `width`×`height`
/// terminal.
pub fn message_pane(width: u16, height: u16) -> (usize, usize) {
    let [_, _, chat, _] = regions(Rect::new(0, 0, width, height));
    let [messages, _] = chat_regions(chat);
    let inner = Block::new().borders(Borders::ALL).inner(messages);
    (inner.width as usize, inner.height as usize)
}

/// The most messages `chat` can be scrolled up in a pane of `width`×`height` (the start
/// of the conversation held): the oldest message then sits at the top, under the start
/// marker, and scrolling further would only show blank space.
pub fn max_scroll(chat: &Chat, width: usize, height: usize) -> usize {
    let me = tr!("msg-me");
    let mut lines = 1; // the start marker
    for (index, message) in chat.messages.iter().enumerate() {
        lines += render_message(message, &me, width).len();
        if lines >= height {
            return chat.messages.len() - (index + 1);
        }
    }
    0
}

/// Draws `app` into `frame`.
pub fn view(app: &App, frame: &mut Frame) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small(frame, area);
        return;
    }
    let [header, list, chat, status] = regions(area);
    draw_header(app, frame, header);
    draw_list(app, frame, list);
    draw_chat(app, frame, chat);
    draw_status(app, frame, status);
    if let Some(overlay) = &app.overlay {
        draw_overlay(app, overlay, frame, area);
    }
}

fn too_small(frame: &mut Frame, area: Rect) {
    let text = tr!(
        "tui-too-small",
        width = area.width,
        height = area.height,
        min_width = MIN_WIDTH,
        min_height = MIN_HEIGHT
    );
    let top = area.height.saturating_sub(2) / 2;
    let rows = Rect {
        y: area.y + top,
        height: area.height - top,
        ..area
    };
    frame.render_widget(
        Paragraph::new(text)
            .wrap(Wrap { trim: true })
            .alignment(ratatui::layout::Alignment::Center)
            .style(Style::new().fg(Color::Yellow)),
        rows,
    );
}

/// `text` cut to `width` display columns, ending in `…` when cut.
pub fn fit(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        used += w;
        out.push(c);
    }
    if width > 0 {
        out.push('…');
    }
    out
}

/// `text` broken into lines of at most `width` display columns: at spaces where
/// possible, anywhere in a word longer than a line (and between CJK characters).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(2);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    for word in text.split_inclusive(' ') {
        let word_width = word.trim_end().width();
        if used > 0 && used + word_width > width {
            lines.push(std::mem::take(&mut line).trim_end().to_owned());
            used = 0;
        }
        for c in word.chars() {
            let w = c.width().unwrap_or(0);
            if used + w > width {
                lines.push(std::mem::take(&mut line));
                used = 0;
            }
            if used == 0 && c == ' ' {
                continue;
            }
            line.push(c);
            used += w;
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line.trim_end().to_owned());
    }
    lines
}

/// `HH:MM` (UTC) of a time in ms since the epoch.
pub(super) fn clock(ms: u64) -> String {
    format!("{:02}:{:02}", ms / 3_600_000 % 24, ms / 60_000 % 60)
}

fn draw_header(app: &App, frame: &mut Frame, area: Rect) {
    let who = match &app.me {
        Some((name, phone)) if !name.is_empty() => format!("{name} {phone}"),
        Some((_, phone)) => phone.clone(),
        None => String::new(),
    };
    let (state, color) = if app.connected {
        (tr!("tui-connected"), Color::Green)
    } else {
        (tr!("tui-disconnected-short"), Color::Red)
    };
    let right = format!("{state} · {} ", tr!("tui-help-hint"));
    let left_room = (area.width as usize).saturating_sub(right.width() + 1);
    let left = fit(&format!(" chingu · {who}"), left_room);
    let gap = (area.width as usize).saturating_sub(left.width() + right.width());
    let line = Line::from(vec![
        Span::styled(left, Style::new().add_modifier(Modifier::BOLD)),
        Span::raw(" ".repeat(gap)),
        Span::styled(right, Style::new().fg(color)),
    ]);
    frame.render_widget(
        Paragraph::new(line).style(Style::new().bg(Color::Blue).fg(Color::White)),
        area,
    );
}

/// A badge's one-column mark (list rows) and its words (conversation headers).
fn badge_text(badge: &Badge) -> (String, String) {
    match badge {
        Badge::Contact(state) => match state.as_str() {
            "verified" => (tr!("tui-badge-verified"), tr!("state-verified")),
            "found" => (tr!("tui-badge-found"), tr!("state-found")),
            "pending" => (tr!("tui-badge-pending"), tr!("state-pending")),
            "conflict" => (tr!("tui-badge-conflict"), tr!("state-conflict")),
            "not_found" => (tr!("tui-badge-not-found"), tr!("state-not-found")),
            _ => (tr!("tui-badge-request"), tr!("msg-state-request")),
        },
        Badge::Group => (tr!("tui-badge-group"), tr!("tui-kind-group")),
        Badge::Meetup { closed: false } => (tr!("tui-badge-meetup"), tr!("tui-kind-meetup")),
        Badge::Meetup { closed: true } => (tr!("tui-badge-closed"), tr!("tui-kind-meetup-closed")),
    }
}

fn border(focused: bool) -> Style {
    if focused {
        Style::new().fg(Color::Cyan)
    } else {
        Style::new().fg(Color::DarkGray)
    }
}

fn draw_list(app: &App, frame: &mut Frame, area: Rect) {
    let entries = app.entries();
    let focused = app.focus == Focus::List && app.overlay.is_none();
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(border(focused))
        .title(tr!(
            "tui-friends-title",
            friends = app.contacts.len(),
            groups = entries.iter().filter(|e| !matches!(e.badge, Badge::Contact(_))).count()
        ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if entries.is_empty() {
        frame.render_widget(Paragraph::new(tr!("tui-no-friends")).wrap(Wrap { trim: true }), inner);
        return;
    }
    let rows = inner.height as usize;
    let selected = app.selected_index(&entries);
    let first = selected.saturating_sub(rows.saturating_sub(1));
    let width = inner.width as usize;
    let lines: Vec<Line> = entries
        .iter()
        .enumerate()
        .skip(first)
        .take(rows)
        .map(|(i, entry)| {
            let (mark, _) = badge_text(&entry.badge);
            let unread = if entry.unread > 0 {
                format!(" {}", entry.unread.min(999))
            } else {
                String::new()
            };
            let room = width.saturating_sub(mark.width() + 1 + unread.width());
            let title = fit(&entry.title, room);
            let gap = room.saturating_sub(title.width());
            let mut style = Style::new();
            if i == selected {
                style = style.add_modifier(Modifier::REVERSED);
            }
            if entry.unread > 0 {
                style = style.add_modifier(Modifier::BOLD);
            }
            Line::from(vec![
                Span::styled(format!("{mark} "), style.fg(badge_color(&entry.badge))),
                Span::styled(format!("{title}{}", " ".repeat(gap)), style),
                Span::styled(unread, style.fg(Color::Yellow)),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

fn badge_color(badge: &Badge) -> Color {
    match badge {
        Badge::Contact(state) if state == "verified" => Color::Green,
        Badge::Contact(state) if state == "conflict" => Color::Red,
        Badge::Contact(state) if state == "found" => Color::Cyan,
        Badge::Contact(_) => Color::DarkGray,
        Badge::Group | Badge::Meetup { .. } => Color::Magenta,
    }
}

fn draw_chat(app: &App, frame: &mut Frame, area: Rect) {
    let [messages, composer] = chat_regions(area);
    let focused = app.focus == Focus::Chat && app.overlay.is_none();
    let Some(chat) = &app.chat else {
        let block = Block::new().borders(Borders::ALL).border_style(border(false));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        frame.render_widget(Paragraph::new(tr!("tui-no-chat")).wrap(Wrap { trim: true }), inner);
        return;
    };
    let entry = app.entry_of(&chat.target);
    let mut title = format!(" {} · {} ", entry.title, badge_text(&entry.badge).1);
    if let Target::Group(id) = &chat.target {
        if let Some(group) = app.group(id) {
            title.push_str(&format!("· {} ", tr!("tui-members-count", count = group.members)));
        }
    }
    let mut block = Block::new()
        .borders(Borders::ALL)
        .border_style(border(focused))
        .title(fit(&title, (area.width as usize).saturating_sub(2)));
    let typing = app.typing_names();
    if let Some(name) = typing.first() {
        block = block.title_bottom(
            Line::from(format!(" {} ", tr!("msg-typing", name = name.clone()))).style(Style::new().fg(Color::Yellow)),
        );
    } else if chat.unseen > 0 {
        block = block.title_bottom(
            Line::from(format!(" {} ", tr!("tui-new-below", count = chat.unseen)))
                .style(Style::new().fg(Color::Yellow)),
        );
    } else if chat.scroll > 0 {
        block = block.title_bottom(Line::from(format!(" {} ", tr!("tui-scrolled", count = chat.scroll))));
    }
    let inner = block.inner(messages);
    frame.render_widget(block, messages);
    frame.render_widget(
        Paragraph::new(message_lines(chat, inner.width as usize, inner.height as usize)),
        inner,
    );
    draw_composer(app, frame, composer, focused);
}

fn state_mark(state: MessageState) -> (String, Color) {
    match state {
        MessageState::Queued => (tr!("tui-mark-queued"), Color::DarkGray),
        MessageState::Sent => (tr!("tui-mark-sent"), Color::Gray),
        MessageState::Delivered => (tr!("tui-mark-delivered"), Color::Cyan),
        MessageState::Read => (tr!("tui-mark-read"), Color::Green),
        MessageState::Received | MessageState::Request | MessageState::Seen => (String::new(), Color::Reset),
    }
}

/// The lines of the messages that fit in `height` rows, newest at the bottom.
fn message_lines(chat: &Chat, width: usize, height: usize) -> Vec<Line<'static>> {
    if chat.messages.is_empty() {
        let text = if chat.loading {
            tr!("tui-loading")
        } else {
            tr!("history-none")
        };
        return vec![Line::styled(text, Style::new().fg(Color::DarkGray))];
    }
    let me = tr!("msg-me");
    let newest = chat.messages.len().saturating_sub(chat.scroll);
    let mut lines: Vec<Line<'static>> = Vec::with_capacity(height + 4);
    let mut shown_all = true;
    for message in chat.messages.range(..newest).rev() {
        if lines.len() >= height {
            shown_all = false;
            break;
        }
        let mut rendered = render_message(message, &me, width);
        rendered.extend(lines);
        lines = rendered;
    }
    if shown_all && lines.len() < height {
        let edge = if chat.loading_older {
            Some(tr!("tui-loading"))
        } else if chat.reached_start {
            Some(tr!("tui-start-of-conversation"))
        } else {
            None
        };
        if let Some(edge) = edge {
            lines.insert(0, Line::styled(edge, Style::new().fg(Color::DarkGray)));
        }
    }
    if lines.len() < height {
        // Short conversations sit at the bottom, next to the composer.
        let mut padded = vec![Line::from(""); height - lines.len()];
        padded.append(&mut lines);
        return padded;
    }
    let skip = lines.len() - height;
    lines.split_off(skip)
}

fn render_message(message: &MessageView, me: &str, width: usize) -> Vec<Line<'static>> {
    let (who, who_color) = match message.direction {
        Direction::Outgoing => (me.to_owned(), Color::Green),
        Direction::Incoming if message.sender_name.is_empty() => (message.sender.clone(), Color::Cyan),
        Direction::Incoming => (clean(&message.sender_name).into_owned(), Color::Cyan),
    };
    let prefix = format!("{} {}: ", clock(message.sent_ms), fit(&who, 16));
    let (mark, mark_color) = state_mark(message.state);
    let text = clean(&message.shown_text()).into_owned();
    let body = if mark.is_empty() {
        format!("{prefix}{text}")
    } else {
        format!("{prefix}{text} {mark}")
    };
    let wrapped = wrap(&body, width);
    let last = wrapped.len() - 1;
    wrapped
        .into_iter()
        .enumerate()
        .map(|(i, line)| {
            let mut spans = Vec::new();
            let mut rest = line.as_str();
            if i == 0 && rest.starts_with(&prefix[..prefix.len() - 1]) {
                let time_len = 6;
                spans.push(Span::styled(
                    rest[..time_len].to_owned(),
                    Style::new().fg(Color::DarkGray),
                ));
                let who_end = (prefix.len() - 1).min(rest.len());
                spans.push(Span::styled(
                    rest[time_len..who_end].to_owned(),
                    Style::new().fg(who_color),
                ));
                rest = &rest[who_end..];
            }
            if i == last && !mark.is_empty() && rest.ends_with(mark.as_str()) {
                let cut = rest.len() - mark.len();
                spans.push(Span::raw(rest[..cut].to_owned()));
                spans.push(Span::styled(mark.clone(), Style::new().fg(mark_color)));
            } else {
                spans.push(Span::raw(rest.to_owned()));
            }
            Line::from(spans)
        })
        .chain(
            message
                .file
                .as_ref()
                .and_then(|f| f.preview.as_deref())
                .map(|preview| super::preview::lines(preview, 6, width))
                .unwrap_or_default(),
        )
        .collect()
}

fn draw_composer(app: &App, frame: &mut Frame, area: Rect, focused: bool) {
    let title = if focused {
        tr!("tui-compose-title")
    } else {
        tr!("tui-compose-hint")
    };
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(border(focused))
        .title(fit(&title, (area.width as usize).saturating_sub(2)));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let (visible, cursor_x) = scrolled_input(app.composer.text(), app.composer.cursor(), inner.width as usize);
    frame.render_widget(Paragraph::new(visible), inner);
    if focused {
        frame.set_cursor_position(Position::new(inner.x + cursor_x as u16, inner.y));
    }
}

/// The part of a one-line input that fits in `width` columns with the cursor (at
/// character `cursor`) visible, and the cursor's column in it.
fn scrolled_input(text: &str, cursor: usize, width: usize) -> (String, usize) {
    let width = width.max(1);
    let before: Vec<char> = text.chars().take(cursor).collect();
    let mut start = 0;
    let mut used: usize = before.iter().map(|c| c.width().unwrap_or(0)).sum();
    while used >= width && start < before.len() {
        used -= before[start].width().unwrap_or(0);
        start += 1;
    }
    let mut visible = String::new();
    let mut shown = 0;
    for c in text.chars().skip(start) {
        let w = c.width().unwrap_or(0);
        if shown + w > width {
            break;
        }
        shown += w;
        visible.push(c);
    }
    (visible, used)
}

fn draw_status(app: &App, frame: &mut Frame, area: Rect) {
    let (text, style) = match &app.notice {
        Some(notice) if notice.error => (notice.text.clone(), Style::new().fg(Color::Red)),
        Some(notice) => (notice.text.clone(), Style::new().fg(Color::Green)),
        None if app.focus == Focus::Chat => (tr!("tui-hint-chat"), Style::new().fg(Color::DarkGray)),
        None => (tr!("tui-hint-list"), Style::new().fg(Color::DarkGray)),
    };
    frame.render_widget(Paragraph::new(fit(&text, area.width as usize)).style(style), area);
}

/// A rectangle of `width`×`height` centred in `area` (shrunk to fit).
fn centred(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width.saturating_sub(2));
    let height = height.min(area.height.saturating_sub(2));
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

fn draw_overlay(app: &App, overlay: &Overlay, frame: &mut Frame, area: Rect) {
    let (title, lines, cursor) = match overlay {
        Overlay::Help => (tr!("tui-help-title"), help_lines(), None),
        Overlay::Info(info) => (info.title.clone(), info_lines(info), None),
        Overlay::Members(members) => (
            app.title_of(&Target::Group(members.group.clone())),
            member_lines(app, members),
            None,
        ),
        Overlay::Confirm(confirm) => (
            tr!("tui-confirm-title"),
            vec![
                Line::from(confirm.question.clone()),
                Line::from(""),
                Line::from(tr!("tui-confirm-keys")),
            ],
            None,
        ),
        Overlay::Form(form) => form_lines(form, FORM_WIDTH.min(area.width.saturating_sub(2)).saturating_sub(4)),
    };
    let width = if cursor.is_some() {
        FORM_WIDTH
    } else {
        lines
            .iter()
            .map(|l| l.width())
            .chain([title.width() + 4])
            .max()
            .unwrap_or(20)
            .clamp(30, 72) as u16
            + 4
    };
    // Codes and explanations wrap; a form's lines are cut so its cursor row stays put.
    let inner_width = width.min(area.width.saturating_sub(2)).saturating_sub(2) as usize;
    let lines: Vec<Line> = lines
        .into_iter()
        .flat_map(|line| {
            if line.width() <= inner_width {
                return vec![line];
            }
            let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
            if cursor.is_some() {
                return vec![Line::styled(fit(&text, inner_width), line.style)];
            }
            wrap(&text, inner_width)
                .into_iter()
                .map(|part| Line::styled(part, line.style))
                .collect()
        })
        .collect();
    let rect = centred(area, width, lines.len() as u16 + 2);
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(Style::new().fg(Color::Cyan))
        .title(fit(&format!(" {title} "), rect.width.saturating_sub(2) as usize));
    let inner = block.inner(rect);
    frame.render_widget(Clear, rect);
    frame.render_widget(block, rect);
    frame.render_widget(Paragraph::new(lines), inner);
    if let Some((row, column)) = cursor {
        let x = (inner.x + column as u16).min(inner.right().saturating_sub(1));
        frame.set_cursor_position(Position::new(x, inner.y + row as u16));
    }
}

fn help_lines() -> Vec<Line<'static>> {
    let heading = |text: String| Line::styled(text, Style::new().add_modifier(Modifier::BOLD));
    vec![
        heading(tr!("tui-help-list")),
        Line::from(tr!("tui-help-list-move")),
        Line::from(tr!("tui-help-list-people")),
        Line::from(tr!("tui-help-list-invite")),
        Line::from(tr!("tui-help-list-groups")),
        Line::from(tr!("tui-help-list-devices")),
        Line::from(tr!("tui-help-search")),
        Line::from(tr!("tui-help-list-quit")),
        heading(tr!("tui-help-chat")),
        Line::from(tr!("tui-help-chat-send")),
        Line::from(tr!("tui-help-chat-scroll")),
        Line::from(tr!("tui-help-chat-more")),
        Line::from(tr!("tui-help-chat-actions")),
        Line::from(tr!("tui-help-chat-files")),
        heading(tr!("tui-help-members")),
        Line::from(tr!("tui-help-members-keys")),
        Line::from(""),
        Line::styled(tr!("tui-help-close"), Style::new().fg(Color::DarkGray)),
    ]
}

fn info_lines(info: &Info) -> Vec<Line<'static>> {
    let mut lines: Vec<Line> = info.lines.iter().map(|l| Line::from(l.clone())).collect();
    lines.push(Line::from(""));
    lines.push(Line::styled(tr!("tui-close-hint"), Style::new().fg(Color::DarkGray)));
    lines
}

fn member_lines(app: &App, members: &Members) -> Vec<Line<'static>> {
    let group = app.group(&members.group);
    let mut lines = vec![Line::from(tr!("tui-members-count", count = members.members.len()))];
    for (i, member) in members.members.iter().enumerate() {
        let mut text = if member.name.is_empty() {
            fit(&member.peer_id, 24)
        } else {
            clean(&member.name).into_owned()
        };
        if member.admin {
            text = format!("{text} {}", tr!("tui-member-admin"));
        }
        if member.me {
            text = format!("{text} {}", tr!("tui-member-me"));
        }
        let style = if i == members.selected {
            Style::new().add_modifier(Modifier::REVERSED)
        } else {
            Style::new()
        };
        lines.push(Line::styled(format!("  {text}"), style));
    }
    lines.push(Line::from(""));
    let keys = match group {
        Some(g) if g.is_admin && g.kind == "meetup" => tr!("tui-members-keys-meetup-admin"),
        Some(g) if g.is_admin => tr!("tui-members-keys-admin"),
        _ => tr!("tui-members-keys"),
    };
    lines.push(Line::styled(keys, Style::new().fg(Color::DarkGray)));
    lines
}

/// A form's lines, with fields `field_width` columns wide, and where its cursor goes.
fn form_lines(form: &Form, field_width: u16) -> (String, Vec<Line<'static>>, Option<(usize, usize)>) {
    let mut lines = Vec::new();
    let mut cursor = None;
    for (i, (label, editor)) in form.fields.iter().enumerate() {
        lines.push(Line::styled(label.clone(), Style::new().fg(Color::Gray)));
        let (visible, column) = scrolled_input(editor.text(), editor.cursor(), field_width as usize);
        let style = if i == form.active {
            cursor = Some((lines.len(), column + 2));
            Style::new().add_modifier(Modifier::UNDERLINED)
        } else {
            Style::new()
        };
        lines.push(Line::styled(format!("> {visible}"), style));
    }
    lines.push(Line::from(""));
    lines.push(Line::styled(tr!("tui-form-keys"), Style::new().fg(Color::DarkGray)));
    (form.kind.title(), lines, cursor)
}

#[cfg(test)]
mod tests;
