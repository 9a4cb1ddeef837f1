"""Corporate volunteering's pages, one module per audience: the public catalogue and buying,
the company's account, the employee's own pages, the hub's admin, and each workspace's."""
