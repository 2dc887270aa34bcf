#!/usr/bin/env python3
"""Pure-Python reference for labelme's shapes -> class-index label map.

Standard library only. It reproduces, pixel for pixel, what

    labelme.utils.shapes_to_label(img_shape, shapes, label_name_to_value)

produces (labelme 5.3.x .. 7.x, `examples/semantic_segmentation/labelme2voc.py`)
when labelme runs on Pillow 9.5.0 .. 11.0.0 (the versions whose polygon
rasteriser made labelme's own `data_dataset_voc/SegmentationClass/*.png`).

The code is a literal transcription of the Pillow C code that labelme ends up
calling (src/libImaging/Draw.c, src/_imaging.c, src/PIL/ImageDraw.py of Pillow
10.0.0), written with plain loops so it can be ported line by line.

Numeric rules that matter for exactness (keep them when porting):

* Float coordinates are converted to int by C truncation toward zero
  (`(int)double`), never by rounding.
* The polygon scanline uses 32-bit float arithmetic (C `float`): every
  operation on such values is rounded to float32 (`f32()` below). Swift: use
  `Float`, with no fused multiply-add.
* ROUND_UP/ROUND_DOWN are the C macros of Draw.c; for a float argument the
  non-negative branch adds/subtracts 0.5 in float32, the negative branch in
  double (because `fabs()` returns a double).
* The ellipse/pie code uses int64 integer arithmetic and `double` for the
  clipping half-planes; `lround` rounds half away from zero.
* The `joint="curve"` code of ImageDraw.line runs in Python doubles; the
  pie-slice angles are then passed to C as float32.

Images are row-major lists/bytearrays of length height * width; index y * width + x.
"""

import json
import math
import struct

# ---------------------------------------------------------------------------
# Numeric primitives (C semantics)
# ---------------------------------------------------------------------------


def f32(value):
    """Round a double to the nearest float32 (C `(float)value`)."""
    try:
        return struct.unpack("<f", struct.pack("<f", value))[0]
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def c_trunc(value):
    """C `(int)double`: truncation toward zero."""
    return int(value)


def c_div(a, b):
    """C integer division (truncates toward zero)."""
    q = abs(a) // abs(b)
    if (a < 0) != (b < 0):
        q = -q
    return q


def c_mod(a, b):
    """C integer remainder (sign of the dividend)."""
    return a - c_div(a, b) * b


def lround(value):
    """C `lround`: nearest integer, halves away from zero."""
    if value >= 0:
        f = math.floor(value)
        if value - f >= 0.5:
            return f + 1
        return f
    return -lround(-value)


def round_up_f32(f):
    """Draw.c ROUND_UP(f) with f a C float."""
    if f >= 0.0:
        return math.floor(f32(f + 0.5))  # float + 0.5F is a float addition
    return -math.floor(abs(f) + 0.5)  # fabs() returns double: double addition


def round_down_f32(f):
    """Draw.c ROUND_DOWN(f) with f a C float."""
    if f >= 0.0:
        return math.ceil(f32(f - 0.5))
    return -math.ceil(abs(f) - 0.5)


def round_up_f64(f):
    """Draw.c ROUND_UP(f) with f a C double."""
    if f >= 0.0:
        return math.floor(f + 0.5)
    return -math.floor(abs(f) + 0.5)


def round_down_f64(f):
    """Draw.c ROUND_DOWN(f) with f a C double."""
    if f >= 0.0:
        return math.ceil(f - 0.5)
    return -math.ceil(abs(f) - 0.5)


def py_float_mod(x, m):
    """Python's `x % m` for floats (CPython float_rem)."""
    r = math.fmod(x, m)
    if r != 0.0:
        if (m < 0) != (r < 0):
            r += m
    else:
        r = math.copysign(0.0, m)
    return r


def py_degrees(x):
    """math.degrees (CPython: x * (180 / pi))."""
    return x * (180.0 / math.pi)


def py_radians(x):
    """math.radians (CPython: x * (pi / 180))."""
    return x * (math.pi / 180.0)


def int_hypot(dx, dy):
    """hypot() of two ints, correctly rounded.

    Pillow calls libm hypot(); glibc's hypot is not always correctly rounded,
    but for the integer vectors and widths used here the wide-line offsets it
    yields are identical (the checker verifies this exhaustively)."""
    return math.sqrt(float(dx * dx + dy * dy))


# ---------------------------------------------------------------------------
# Canvas: an 8-bit single-channel image ("L" / "1" mode), ink is one byte
# ---------------------------------------------------------------------------


class Canvas:
    def __init__(self, width, height):
        self.width = width
        self.height = height
        self.pixels = bytearray(width * height)


def point8(im, x, y, ink):
    if x >= 0 and x < im.width and y >= 0 and y < im.height:
        im.pixels[y * im.width + x] = ink


def hline8(im, x0, y0, x1, ink):
    # Pillow >= 9.5 does NOT swap x0 > x1 here (9.4 and older did).
    if y0 >= 0 and y0 < im.height:
        if x0 < 0:
            x0 = 0
        elif x0 >= im.width:
            return
        if x1 < 0:
            return
        elif x1 >= im.width:
            x1 = im.width - 1
        if x0 <= x1:
            row = y0 * im.width
            for x in range(x0, x1 + 1):
                im.pixels[row + x] = ink


def line8(im, x0, y0, x1, y1, ink):
    """Bresenham line of Draw.c (end point excluded)."""
    dx = x1 - x0
    if dx < 0:
        dx = -dx
        xs = -1
    else:
        xs = 1
    dy = y1 - y0
    if dy < 0:
        dy = -dy
        ys = -1
    else:
        ys = 1

    if dx == 0:
        for _ in range(dy):
            point8(im, x0, y0, ink)
            y0 += ys
    elif dy == 0:
        for _ in range(dx):
            point8(im, x0, y0, ink)
            x0 += xs
    elif dx > dy:
        n = dx
        dy += dy
        e = dy - dx
        dx += dx
        for _ in range(n):
            point8(im, x0, y0, ink)
            if e >= 0:
                y0 += ys
                e -= dx
            e += dy
            x0 += xs
    else:
        n = dy
        dx += dx
        e = dx - dy
        dy += dy
        for _ in range(n):
            point8(im, x0, y0, ink)
            if e >= 0:
                x0 += xs
                e -= dy
            e += dx
            y0 += ys


# ---------------------------------------------------------------------------
# Polygon scanline fill (Draw.c polygon_generic, 8-bit image, no alpha)
# ---------------------------------------------------------------------------


class Edge:
    def __init__(self, x0, y0, x1, y1):
        # add_edge()
        if x0 <= x1:
            self.xmin = x0
            self.xmax = x1
        else:
            self.xmin = x1
            self.xmax = x0
        if y0 <= y1:
            self.ymin = y0
            self.ymax = y1
        else:
            self.ymin = y1
            self.ymax = y0
        if y0 == y1:
            self.dx = 0.0
        else:
            # ((float)(x1 - x0)) / (y1 - y0)  -> float division
            self.dx = f32(f32(x1 - x0) / f32(y1 - y0))
        self.x0 = x0
        self.y0 = y0


def edge_x_at(edge, y):
    """(y - edge->y0) * edge->dx + edge->x0, all in float32."""
    product = f32(f32(y - edge.y0) * edge.dx)
    return f32(product + f32(edge.x0))


def is_integral(f):
    """roundf(f) == f for a finite float."""
    return math.floor(f) == f


def polygon_generic(im, edges, ink):
    n = len(edges)
    if n <= 0:
        return

    edge_table = []
    ymin = im.height - 1
    ymax = 0
    for i in range(n):
        e = edges[i]
        if ymin > e.ymin:
            ymin = e.ymin
        if ymax < e.ymax:
            ymax = e.ymax
        if e.ymin == e.ymax:
            # horizontal edge: drawn directly
            hline8(im, e.xmin, e.ymin, e.xmax, ink)
            continue
        edge_table.append(e)
    if ymin < 0:
        ymin = 0
    if ymax > im.height:
        ymax = im.height

    edge_count = len(edge_table)
    # One buffer for the whole fill, like the C calloc: the corner code below
    # writes xx[k] with k an edge index, which may lie beyond this row's count.
    xx = [0.0] * (edge_count * 2)

    y = ymin
    while y <= ymax:
        j = 0
        for i in range(edge_count):
            current = edge_table[i]
            if y >= current.ymin and y <= current.ymax:
                xx[j] = edge_x_at(current, y)
                j += 1
                if y == current.ymax and y < ymax:
                    # Needed to draw consistent polygons
                    xx[j] = xx[j - 1]
                    j += 1
                elif current.dx != 0 and is_integral(xx[j - 1]):
                    # Connect discontiguous corners
                    for k in range(i):
                        other = edge_table[k]
                        if (current.dx > 0 and other.dx <= 0) or (
                            current.dx < 0 and other.dx >= 0
                        ):
                            continue
                        joins = (y == current.ymin and y == other.ymin) or (
                            y == current.ymax and y == other.ymax
                        )
                        if joins and xx[j - 1] == edge_x_at(other, y):
                            if y == ymax:
                                offset = -1
                            else:
                                offset = 1
                            adjacent = edge_x_at(current, y + offset)
                            adjacent_other = edge_x_at(other, y + offset)
                            if y == current.ymax:
                                if current.dx > 0:
                                    xx[k] = f32(max(adjacent, adjacent_other) + 1)
                                else:
                                    xx[k] = f32(min(adjacent, adjacent_other) - 1)
                            else:
                                if current.dx > 0:
                                    xx[k] = min(adjacent, adjacent_other)
                                else:
                                    xx[k] = f32(max(adjacent, adjacent_other) + 1)
                            break
        # qsort of the first j values (ties are equal floats: order irrelevant)
        row = xx[0:j]
        row.sort()
        for i in range(j):
            xx[i] = row[i]
        i = 1
        while i < j:
            hline8(im, round_up_f32(xx[i - 1]), y, round_down_f32(xx[i]), ink)
            i += 2
        y += 1


def draw_polygon_fill(im, points, ink):
    """ImagingDrawPolygon(fill=1) on integer vertices [(x, y), ...]."""
    count = len(points)
    if count <= 0:
        return
    edges = []
    i = 0
    while i < count - 1:
        x0, y0 = points[i]
        x1, y1 = points[i + 1]
        if y0 == y1 and i != 0 and y0 == points[i - 1][1]:
            # horizontal line that immediately follows another horizontal line
            last = edges[len(edges) - 1]
            if x1 > x0 and x0 > points[i - 1][0]:
                last.xmax = x1  # both increasing in x
                i += 1
                continue
            elif x1 < x0 and x0 < points[i - 1][0]:
                last.xmin = x1  # both decreasing in x
                i += 1
                continue
        edges.append(Edge(x0, y0, x1, y1))
        i += 1
    # i is now count - 1 (0 when count == 1): close the polygon
    if points[i][0] != points[0][0] or points[i][1] != points[0][1]:
        edges.append(Edge(points[i][0], points[i][1], points[0][0], points[0][1]))
    polygon_generic(im, edges, ink)


# ---------------------------------------------------------------------------
# Lines
# ---------------------------------------------------------------------------


def draw_wide_line(im, x0, y0, x1, y1, ink, width):
    """ImagingDrawWideLine: a 4-vertex polygon around the segment."""
    dx = x1 - x0
    dy = y1 - y0
    if dx == 0 and dy == 0:
        point8(im, x0, y0, ink)
        return
    big_hypotenuse = int_hypot(dx, dy)
    small_hypotenuse = (width - 1) / 2.0
    ratio_max = round_up_f64(small_hypotenuse) / big_hypotenuse
    ratio_min = round_down_f64(small_hypotenuse) / big_hypotenuse

    dxmin = round_down_f64(ratio_min * dy)
    dxmax = round_down_f64(ratio_max * dy)
    dymin = round_down_f64(ratio_min * dx)
    dymax = round_down_f64(ratio_max * dx)

    v0 = (x0 - dxmin, y0 + dymax)
    v1 = (x1 - dxmin, y1 + dymax)
    v2 = (x1 + dxmax, y1 - dymin)
    v3 = (x0 + dxmax, y0 - dymin)
    edges = [
        Edge(v0[0], v0[1], v1[0], v1[1]),
        Edge(v1[0], v1[1], v2[0], v2[1]),
        Edge(v2[0], v2[1], v3[0], v3[1]),
        Edge(v3[0], v3[1], v0[0], v0[1]),
    ]
    polygon_generic(im, edges, ink)


def draw_lines(im, xy, ink, width):
    """_imaging.c _draw_lines: xy are float points, truncated to int."""
    n = len(xy)
    if width <= 1:
        last = None
        for i in range(n - 1):
            x0 = c_trunc(xy[i][0])
            y0 = c_trunc(xy[i][1])
            x1 = c_trunc(xy[i + 1][0])
            y1 = c_trunc(xy[i + 1][1])
            line8(im, x0, y0, x1, y1, ink)
            last = (x1, y1)
        if last is not None:
            point8(im, last[0], last[1], ink)  # draw last point
    else:
        for i in range(n - 1):
            draw_wide_line(
                im,
                c_trunc(xy[i][0]),
                c_trunc(xy[i][1]),
                c_trunc(xy[i + 1][0]),
                c_trunc(xy[i + 1][1]),
                ink,
                width,
            )


# ---------------------------------------------------------------------------
# Rectangle
# ---------------------------------------------------------------------------


def draw_rectangle_fill(im, x0, y0, x1, y1, ink):
    """ImagingDrawRectangle(fill=1) on integer corners (x0 <= x1, y0 <= y1)."""
    if y0 > y1:
        y0, y1 = y1, y0
    if y0 < 0:
        y0 = 0
    elif y0 >= im.height:
        return
    if y1 < 0:
        return
    elif y1 > im.height:
        y1 = im.height
    for y in range(y0, y1 + 1):
        hline8(im, x0, y, x1, ink)


# ---------------------------------------------------------------------------
# Ellipse (Draw.c quarter_* / ellipse_* : integer Bresenham on a 2x grid)
# ---------------------------------------------------------------------------


class Quarter:
    def __init__(self, a, b):
        if a < 0 or b < 0:
            self.finished = True
            return
        self.a = a
        self.b = b
        self.cx = a
        self.cy = c_mod(b, 2)
        self.ex = c_mod(a, 2)
        self.ey = b
        self.a2 = a * a  # int32 in C (overflows past 46340)
        self.b2 = b * b
        self.a2b2 = self.a2 * self.b2  # int64
        self.finished = False

    def delta(self, x, y):
        return abs(self.a2 * y * y + self.b2 * x * x - self.a2b2)

    def next(self):
        """Returns (x, y) or None when finished."""
        if self.finished:
            return None
        ret = (self.cx, self.cy)
        if self.cx == self.ex and self.cy == self.ey:
            self.finished = True
        else:
            nx = self.cx
            ny = self.cy + 2
            ndelta = self.delta(nx, ny)
            if nx > 1:
                newdelta = self.delta(self.cx - 2, self.cy + 2)
                if ndelta > newdelta:
                    nx = self.cx - 2
                    ny = self.cy + 2
                    ndelta = newdelta
                newdelta = self.delta(self.cx - 2, self.cy)
                if ndelta > newdelta:
                    nx = self.cx - 2
                    ny = self.cy
            self.cx = nx
            self.cy = ny
        return ret


class EllipseState:
    """ellipse_init / ellipse_next: horizontal segments (x0, y, x1) on the 2x grid."""

    def __init__(self, a, b, w):
        self.buffer = []  # stack of (x0, y, x1)
        self.leftmost = c_mod(a, 2)
        self.st_o = Quarter(a, b)
        self.st_i = None
        self.finished = True
        if w < 1:
            return
        first = self.st_o.next()
        if first is None:
            return
        self.pr = first[0]
        self.py = first[1]
        self.finished = False
        self.st_i = Quarter(a - 2 * (w - 1), b - 2 * (w - 1))
        self.pl = self.leftmost

    def next(self):
        if len(self.buffer) == 0:
            if self.finished:
                return None
            y = self.py
            l = self.pl
            r = self.pr
            cx = 0
            cy = 0
            while True:
                p = self.st_o.next()
                if p is None:
                    break
                cx = p[0]
                cy = p[1]
                if not (cy <= y):
                    break
            if p is None:
                self.finished = True
            else:
                self.pr = cx
                self.py = cy
            while True:
                p = self.st_i.next()
                if p is None:
                    break
                cx = p[0]
                cy = p[1]
                if not (cy <= y):
                    break
                l = cx
            if p is None:
                self.pl = self.leftmost
            else:
                self.pl = cx

            if (l > 0 or l < r) and y > 0:
                self.buffer.append((2 if l == 0 else l, y, r))
            if y > 0:
                self.buffer.append((-r, y, -l))
            if l > 0 or l < r:
                self.buffer.append((2 if l == 0 else l, -y, r))
            self.buffer.append((-r, -y, -l))
        return self.buffer.pop()


def draw_ellipse_fill(im, x0, y0, x1, y1, ink):
    """ellipseNew(fill=1) on integer bounding box."""
    a = x1 - x0
    b = y1 - y0
    if a < 0 or b < 0:
        return
    width = a + b  # fill
    st = EllipseState(a, b, width)
    while True:
        seg = st.next()
        if seg is None:
            break
        X0, Y, X1 = seg
        hline8(im, x0 + c_div(X0 + a, 2), y0 + c_div(Y + b, 2), x0 + c_div(X1 + a, 2), ink)


# ---------------------------------------------------------------------------
# Pie slice (used by the joint="curve" line joints)
# ---------------------------------------------------------------------------

CT_AND = 0
CT_OR = 1
CT_CLIP = 2


class ClipNode:
    def __init__(self, type_, a=0.0, b=0.0, c=0.0, left=None, right=None):
        self.type = type_
        self.a = a
        self.b = b
        self.c = c
        self.l = left
        self.r = right


def clip_tree_do_clip(root, x0, y, x1):
    """Returns a list of [x, type] events (type 1 = start, -1 = end)."""
    if root is None:
        return [[x0, 1], [x1, -1]]
    if root.type == CT_CLIP:
        eps = 1e-9
        A = root.a
        B = root.b
        C = root.c
        if abs(A) < eps:
            if B * y + C < -eps:
                x0 = 1
                x1 = 0
        else:
            ix = -(B * y + C) / A  # X of intersection
            if A * x0 + B * y + C < eps:
                x0 = lround(max(float(x0), ix))
            if A * x1 + B * y + C < eps:
                x1 = lround(min(float(x1), ix))
        if x0 <= x1:
            return [[x0, 1], [x1, -1]]
        return []
    # CT_AND / CT_OR: merge the two sorted event lists
    l1 = clip_tree_do_clip(root.l, x0, y, x1)
    l2 = clip_tree_do_clip(root.r, x0, y, x1)
    out = []
    i1 = 0
    i2 = 0
    k1 = 0
    k2 = 0
    while i1 < len(l1) or i2 < len(l2):
        take_first = False
        if i2 >= len(l2):
            take_first = True
        elif i1 < len(l1):
            if l1[i1][0] < l2[i2][0] or (l1[i1][0] == l2[i2][0] and l1[i1][1] > l2[i2][1]):
                take_first = True
        if take_first:
            t = l1[i1]
            k1 += t[1]
            i1 += 1
        else:
            t = l2[i2]
            k2 += t[1]
            i2 += 1
        tail = out[len(out) - 1] if len(out) > 0 else None
        keep = False
        if root.type == CT_OR:
            if t[1] == 1 and (tail is None or tail[1] == -1):
                keep = True
            elif t[1] == -1 and k1 == 0 and k2 == 0:
                keep = True
        else:  # CT_AND
            if t[1] == 1 and (tail is None or tail[1] == -1) and k1 > 0 and k2 > 0:
                keep = True
            elif t[1] == -1 and tail is not None and tail[1] == 1 and (k1 == 0 or k2 == 0):
                keep = True
        if keep:
            out.append(t)
    return out


def normalize_angles(al, ar):
    """Draw.c normalize_angles on float32 angles; returns (al, ar) as float32."""
    if f32(ar - al) >= 360:
        return 0.0, 360.0
    if al < 0:
        t = 360 - math.fmod(-al, 360)
    else:
        t = al
    al = f32(math.fmod(t, 360))
    if ar < al:
        t2 = 360 - math.fmod(f32(al - ar), 360)
    else:
        t2 = f32(ar - al)
    ar = f32(al + math.fmod(t2, 360))
    return al, ar


def pie_clip_tree(a, b, al, ar):
    """pie_init's clipping tree (al, ar float32, normalised)."""
    xl = a * math.cos(al * math.pi / 180.0)
    xr = a * math.cos(ar * math.pi / 180.0)
    yl = b * math.sin(al * math.pi / 180.0)
    yr = b * math.sin(ar * math.pi / 180.0)
    lc = ClipNode(CT_CLIP, -yl, xl, 0.0)
    rc = ClipNode(CT_CLIP, yr, -xr, 0.0)
    if f32(ar - al) < 180:
        root = ClipNode(CT_AND, left=lc, right=rc)
    else:
        root = ClipNode(CT_OR, left=lc, right=rc)
    if f32(ar - al) < 90:
        # one more half-plane to avoid spikes
        spike = ClipNode(CT_CLIP, (xl + xr) / 2.0, (yl + yr) / 2.0, 0.0)
        root = ClipNode(CT_AND, left=root, right=spike)
    return root


def draw_pieslice_fill(im, x0, y0, x1, y1, start, end, ink):
    """ImagingDrawPieslice(fill=1); start/end are float32 degrees."""
    start, end = normalize_angles(start, end)
    if f32(start + 360) == end:
        draw_ellipse_fill(im, x0, y0, x1, y1, ink)
        return
    if start == end:
        return
    width = x1 + y1 - x0 - y0
    # pieNew -> clipEllipseNew(pie_init)
    a = x1 - x0
    b = y1 - y0
    if a < 0 or b < 0:
        return
    st = EllipseState(a, b, width)
    root = pie_clip_tree(a, b, start, end)
    while True:
        seg = st.next()
        if seg is None:
            break
        X0, Y, X1 = seg
        events = clip_tree_do_clip(root, X0, Y, X1)
        k = 0
        while k + 1 < len(events):
            hline8(
                im,
                x0 + c_div(events[k][0] + a, 2),
                y0 + c_div(Y + b, 2),
                x0 + c_div(events[k + 1][0] + a, 2),
                ink,
            )
            k += 2


# ---------------------------------------------------------------------------
# PIL.ImageDraw-level calls used by labelme (fill == outline, so only the
# fill pass runs: ImageDraw skips the outline when ink == fill)
# ---------------------------------------------------------------------------


def pil_polygon(im, xy, ink):
    points = []
    for p in xy:
        points.append((c_trunc(p[0]), c_trunc(p[1])))
    draw_polygon_fill(im, points, ink)


def pil_rectangle(im, x0, y0, x1, y1, ink):
    if x1 < x0:
        raise ValueError("x1 must be greater than or equal to x0")
    if y1 < y0:
        raise ValueError("y1 must be greater than or equal to y0")
    draw_rectangle_fill(im, c_trunc(x0), c_trunc(y0), c_trunc(x1), c_trunc(y1), ink)


def pil_ellipse(im, x0, y0, x1, y1, ink):
    if x1 < x0:
        raise ValueError("x1 must be greater than or equal to x0")
    if y1 < y0:
        raise ValueError("y1 must be greater than or equal to y0")
    draw_ellipse_fill(im, c_trunc(x0), c_trunc(y0), c_trunc(x1), c_trunc(y1), ink)


def pil_pieslice(im, x0, y0, x1, y1, start, end, ink):
    draw_pieslice_fill(
        im, c_trunc(x0), c_trunc(y0), c_trunc(x1), c_trunc(y1), f32(start), f32(end), ink
    )


def pil_line(im, xy, ink, width, joint=None):
    """ImageDraw.line(xy, fill=ink, width=width, joint=joint)."""
    draw_lines(im, xy, ink, width)
    if joint == "curve" and width > 4:
        for i in range(1, len(xy) - 1):
            point = xy[i]
            angles = []
            for start, end in ((xy[i - 1], point), (point, xy[i + 1])):
                angle = py_degrees(math.atan2(end[0] - start[0], start[1] - end[1]))
                angles.append(py_float_mod(angle, 360.0))
            if angles[0] == angles[1]:
                continue  # straight line, no joint
            flipped = (angles[1] > angles[0] and angles[1] - 180 > angles[0]) or (
                angles[1] < angles[0] and angles[1] + 180 > angles[0]
            )
            cx0 = point[0] - width / 2 + 1
            cy0 = point[1] - width / 2 + 1
            cx1 = point[0] + width / 2 - 1
            cy1 = point[1] + width / 2 - 1
            if flipped:
                start = angles[1] + 90
                end = angles[0] + 90
            else:
                start = angles[0] - 90
                end = angles[1] - 90
            pil_pieslice(im, cx0, cy0, cx1, cy1, start - 90, end - 90, ink)

            if width > 8:
                # cover potential gaps between the line and the joint
                if flipped:
                    gap = [
                        coord_at_angle(point, angles[0] + 90, width),
                        point,
                        coord_at_angle(point, angles[1] + 90, width),
                    ]
                else:
                    gap = [
                        coord_at_angle(point, angles[0] - 90, width),
                        point,
                        coord_at_angle(point, angles[1] - 90, width),
                    ]
                pil_line(im, gap, ink, 3)


def coord_at_angle(coord, angle, width):
    x = coord[0]
    y = coord[1]
    angle -= 90
    distance = width / 2 - 1
    dx = distance * math.cos(py_radians(angle))
    dy = distance * math.sin(py_radians(angle))
    if dx > 0:
        nx = x + math.floor(dx)
    else:
        nx = x + math.ceil(dx)
    if dy > 0:
        ny = y + math.floor(dy)
    else:
        ny = y + math.ceil(dy)
    return (nx, ny)


# ---------------------------------------------------------------------------
# labelme
# ---------------------------------------------------------------------------


def shape_to_mask(height, width, points, shape_type=None, line_width=10, point_size=5,
                  legacy_labelme5=False):
    """labelme.utils.shape_to_mask -> bytearray of 0/1, row-major.

    legacy_labelme5=True reproduces labelme <= 5.x: rectangle corners passed
    unsorted (Pillow >= 9.5 raises ValueError on reversed corners) and
    linestrip drawn without rounded joints."""
    im = Canvas(width, height)
    xy = []
    for p in points:
        xy.append((p[0], p[1]))
    if shape_type == "circle":
        if len(xy) != 2:
            raise ValueError("Shape of shape_type=circle must have 2 points")
        cx, cy = xy[0]
        px, py = xy[1]
        d = math.sqrt((cx - px) * (cx - px) + (cy - py) * (cy - py))
        pil_ellipse(im, cx - d, cy - d, cx + d, cy + d, 1)
    elif shape_type == "rectangle":
        if len(xy) != 2:
            raise ValueError("Shape of shape_type=rectangle must have 2 points")
        x0, y0 = xy[0]
        x1, y1 = xy[1]
        if legacy_labelme5:
            pil_rectangle(im, x0, y0, x1, y1, 1)
        else:
            pil_rectangle(im, min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1), 1)
    elif shape_type == "line":
        if len(xy) != 2:
            raise ValueError("Shape of shape_type=line must have 2 points")
        pil_line(im, xy, 1, line_width)
    elif shape_type == "linestrip":
        if legacy_labelme5:
            pil_line(im, xy, 1, line_width)
        else:
            pil_line(im, xy, 1, line_width, joint="curve")
    elif shape_type == "point":
        if len(xy) != 1:
            raise ValueError("Shape of shape_type=point must have 1 points")
        cx, cy = xy[0]
        r = point_size
        pil_ellipse(im, cx - r, cy - r, cx + r, cy + r, 1)
    elif shape_type == "oriented_rectangle" and not legacy_labelme5:
        if len(xy) != 4:
            raise ValueError("Shape of shape_type=oriented_rectangle must have 4 points")
        pil_polygon(im, xy, 1)
    elif shape_type is None or shape_type == "polygon" or legacy_labelme5:
        if len(xy) <= 2:
            raise ValueError("Polygon must have points more than 2")
        pil_polygon(im, xy, 1)
    else:
        raise ValueError("shape_type=%r is not supported." % (shape_type,))
    return im.pixels


def shapes_to_label(shapes, height, width, class_index, legacy_labelme5=False):
    """labelme.utils.shapes_to_label's class map.

    shapes: list of dicts with "label", "points" and optional "shape_type".
    class_index: dict label name -> int (labelme2voc: __ignore__ -1,
    _background_ 0, ...). Returns a row-major list of ints (0 where nothing
    was drawn); later shapes overwrite earlier ones."""
    unknown = []
    for s in shapes:
        if s["label"] not in class_index and s["label"] not in unknown:
            unknown.append(s["label"])
    if unknown:
        raise ValueError("shape labels not in the provided labels: %r" % sorted(unknown))
    label = [0] * (height * width)
    for s in shapes:
        shape_type = s.get("shape_type")
        if shape_type == "mask":
            raise ValueError("shape_type='mask' is not supported by this reference")
        mask = shape_to_mask(height, width, s["points"], shape_type,
                             legacy_labelme5=legacy_labelme5)
        value = class_index[s["label"]]
        for i in range(height * width):
            if mask[i]:
                label[i] = value
    return label


def label_to_uint8(label):
    """numpy int32 -> uint8 cast as labelme2voc saves it (-1 -> 255)."""
    out = bytearray(len(label))
    for i in range(len(label)):
        out[i] = label[i] & 0xFF
    return out


def class_index_from_labels_text(text):
    """labelme2voc.py: line i of labels.txt -> id i - 1 (__ignore__ = -1)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if len(lines) > 0 and lines[len(lines) - 1] == "":
        lines.pop()  # no line after the final newline
    class_index = {}
    for i in range(len(lines)):
        name = lines[i].strip()
        class_id = i - 1
        class_index[name] = class_id
        if class_id == -1 and name != "__ignore__":
            raise ValueError("first label must be __ignore__")
        if class_id == 0 and name != "_background_":
            raise ValueError("second label must be _background_")
    return class_index


def load_labelme_json(path):
    """Returns (shapes, height, width). labelme2voc takes the size from the
    decoded image; imageHeight/imageWidth hold the same numbers."""
    with open(path, "r", encoding="utf-8") as f:
        data = json.load(f)
    shapes = []
    for s in data["shapes"]:
        shapes.append({
            "label": s["label"],
            "points": s["points"],
            "shape_type": s.get("shape_type") or "polygon",
            "group_id": s.get("group_id"),
        })
    return shapes, data["imageHeight"], data["imageWidth"]


if __name__ == "__main__":
    import sys

    if len(sys.argv) != 3:
        print("usage: labelme_raster_reference.py FILE.json labels.txt", file=sys.stderr)
        sys.exit(2)
    shapes, h, w = load_labelme_json(sys.argv[1])
    with open(sys.argv[2], "r", encoding="utf-8") as f:
        index = class_index_from_labels_text(f.read())
    lbl = shapes_to_label(shapes, h, w, index)
    counts = {}
    for v in lbl:
        counts[v] = counts.get(v, 0) + 1
    print("%dx%d" % (w, h), sorted(counts.items()))
