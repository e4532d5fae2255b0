//! The kinds of site as small vector drawings (a globe for ArcGIS Online, a building for an
//! Enterprise portal, a server rack for ArcGIS Server), painted with egui's shapes: sharp at
//! any size and scale, the same on every system, and no font glyph that could come out as a
//! missing-character box. Each carries the kind's name for screen readers and on hover.

use eframe::egui::{self, Color32, Pos2, Rect, Sense, Shape, Stroke, StrokeKind, vec2};

use crate::store::SiteKind;

/// Draws the icon of `kind`, `size` points square, in the text colour.
pub fn kind_icon_ui(ui: &mut egui::Ui, kind: SiteKind, size: f32) -> egui::Response {
    let (rect, response) = ui.allocate_exact_size(vec2(size, size), Sense::hover());
    let colour = ui.visuals().text_color();
    if ui.is_rect_visible(rect) {
        ui.painter()
            .extend(kind_shapes(kind, rect.shrink(size * 0.08), colour));
    }
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, kind.label()));
    response.on_hover_text(kind.label())
}

/// The strokes of `kind`'s icon inside `rect`.
pub fn kind_shapes(kind: SiteKind, rect: Rect, colour: Color32) -> Vec<Shape> {
    let side = rect.width().min(rect.height());
    let stroke = Stroke::new((side / 14.0).max(1.0), colour);
    let c = rect.center();
    let at = |x: f32, y: f32| {
        Pos2::new(
            rect.left() + x * rect.width(),
            rect.top() + y * rect.height(),
        )
    };
    match kind {
        SiteKind::ArcgisOnline => {
            // A globe: its outline, a meridian, the equator and two parallels.
            let r = side / 2.0;
            vec![
                Shape::circle_stroke(c, r, stroke),
                Shape::ellipse_stroke(c, vec2(r * 0.45, r), stroke),
                Shape::line_segment([Pos2::new(c.x - r, c.y), Pos2::new(c.x + r, c.y)], stroke),
                Shape::line_segment(
                    [
                        Pos2::new(c.x - r * 0.86, c.y - r * 0.5),
                        Pos2::new(c.x + r * 0.86, c.y - r * 0.5),
                    ],
                    stroke,
                ),
                Shape::line_segment(
                    [
                        Pos2::new(c.x - r * 0.86, c.y + r * 0.5),
                        Pos2::new(c.x + r * 0.86, c.y + r * 0.5),
                    ],
                    stroke,
                ),
            ]
        }
        SiteKind::EnterprisePortal => {
            // A building: a pediment on three columns, a step under them.
            let mut shapes = vec![
                Shape::closed_line(vec![at(0.05, 0.32), at(0.5, 0.05), at(0.95, 0.32)], stroke),
                Shape::line_segment([at(0.0, 0.92), at(1.0, 0.92)], stroke),
                Shape::line_segment([at(0.08, 0.8), at(0.92, 0.8)], stroke),
            ];
            for x in [0.2, 0.5, 0.8] {
                shapes.push(Shape::line_segment([at(x, 0.38), at(x, 0.8)], stroke));
            }
            shapes
        }
        SiteKind::ArcgisServer => {
            // A rack of three servers, each with its light.
            let mut shapes = Vec::new();
            for (top, bottom) in [(0.04, 0.31), (0.365, 0.635), (0.69, 0.96)] {
                let unit = Rect::from_min_max(at(0.05, top), at(0.95, bottom));
                shapes.push(Shape::rect_stroke(
                    unit,
                    side * 0.06,
                    stroke,
                    StrokeKind::Inside,
                ));
                shapes.push(Shape::circle_filled(
                    Pos2::new(unit.right() - unit.height() * 0.55, unit.center().y),
                    unit.height() * 0.15,
                    colour,
                ));
            }
            shapes
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bounds(shapes: &[Shape]) -> Rect {
        shapes
            .iter()
            .map(Shape::visual_bounding_rect)
            .fold(Rect::NOTHING, |a, b| a.union(b))
    }

    #[test]
    fn every_kind_has_its_own_drawing_inside_the_square_it_is_given() {
        let square = Rect::from_min_size(Pos2::new(10.0, 20.0), vec2(24.0, 24.0));
        let drawings: Vec<Vec<Shape>> = [
            SiteKind::ArcgisOnline,
            SiteKind::EnterprisePortal,
            SiteKind::ArcgisServer,
        ]
        .into_iter()
        .map(|kind| kind_shapes(kind, square, Color32::WHITE))
        .collect();
        for shapes in &drawings {
            assert!(shapes.len() >= 3, "{shapes:?}");
            let drawn = bounds(shapes);
            // Strokes reach half their width past the square.
            assert!(
                square.expand(1.5).contains_rect(drawn),
                "{drawn:?} outside {square:?}"
            );
            assert!(
                drawn.width() > 18.0 && drawn.height() > 18.0,
                "{drawn:?} fills the square"
            );
        }
        assert_ne!(format!("{:?}", drawings[0]), format!("{:?}", drawings[1]));
        assert_ne!(format!("{:?}", drawings[1]), format!("{:?}", drawings[2]));
    }
}
