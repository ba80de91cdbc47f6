"""The embedded demo company: Atelier Durand SA, a French kitchen & garden manufacturer-distributor.

`generate_demo(seed)` returns one frame per table of the data dictionary, the same for the same seed, so
tutorials, screenshots and end-to-end tests all run on one believable company:

- 3 categories (CUISINE, JARDIN, SAV), 14 families, 250 items: cookware, cast-iron casseroles, small appliances
  (Lyon plant, Christmas peak) and mowers, trimmers, watering, tools, barbecues, furniture (Angers plant, spring
  peak); 30 lumpy spare parts; 10 launches (7 with a like item), 10 phase-outs ending within 12 months.
- 4 regions/channels (FR-NORD retail, FR-SUD professionals, EXPORT at lower prices, ECOM growing fast),
  2 plants and the Orléans warehouse, 9 resources with an August shutdown and two maintenance months,
  10 critical components from 9 suppliers (S1..S9, 1-3 months lead time).
- 48 months of history with trend, seasonality, promotions (in `events`) and a few one-off spikes; prices rise
  on 1 January; a budget a few percent above trend for the current and next two years.
- Capacity is tight by design: Angers assembly and labour and the Lyon enamelling furnace run above regular
  capacity in their peak months, and engine supplier S1 cannot follow the mowing season.
"""

from opensop.demo.generator import DEMO_SEED, generate_demo

__all__ = ["DEMO_SEED", "generate_demo"]
